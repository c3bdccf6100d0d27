"""Display filters for outcome data: offense names, months, layouts."""

from __future__ import annotations

import datetime as dt

from django import template

from metrics.offenses import offense_name as vocabulary_name

register = template.Library()

LAYOUTS = {
    "long": "Long (one row per month and offense)",
    "wide": "Wide (one column per offense)",
    "gva": "Gun Violence Archive export",
    "incidents": "Incident records",
    "trust": "Trust survey results",
}


@register.filter
def offense_name(code: str) -> str:
    return "Other gun incident" if code == "other" else vocabulary_name(code)


@register.filter
def offense_names(codes: list[str]) -> str:
    return ", ".join(offense_name(c) for c in codes)


@register.filter
def month_text(value: str) -> str:
    """``2024-03`` or ``2024-03-01`` → ``Mar 2024``."""
    try:
        day = dt.date.fromisoformat(value[:7] + "-01")
    except (TypeError, ValueError):
        return value
    return f"{day:%b %Y}"


@register.filter
def layout_name(value: str) -> str:
    return LAYOUTS.get(value, value)
