"""Template tags shared by every app."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def sort_header(label: str, key: str, current: str, query: str) -> str:
    """A sortable column header link with ``aria-sort`` and a text arrow (not colour alone)."""
    descending = current == f"-{key}"
    ascending = current == key
    next_key = f"-{key}" if ascending else key
    arrow = " ▲" if ascending else (" ▼" if descending else "")
    state = "ascending" if ascending else ("descending" if descending else "none")
    sep = "&" if query else ""
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="?{}{}sort={}">{}{}</a></th>',
        state,
        query,
        sep,
        next_key,
        label,
        arrow,
    )


@register.filter
def us_date(value: object) -> str:
    """Dates as "Mar 4, 2026"."""
    if not value:
        return "—"
    return f"{value:%b} {value.day}, {value.year}"  # type: ignore[attr-defined]
