"""Template helpers of the dashboards: the server-drawn sparkline and a trend's words."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("dashboards/_sparkline.html")
def sparkline(line: Any) -> dict[str, Any]:
    """An SVG sparkline with a text alternative; missing months are gaps in the line."""
    return {"line": line}


@register.filter
def hours(value: Any) -> str:
    """Hours with thousands separators and at most two decimals: 1234.5 → "1,234.5"."""
    if value is None:
        return "0"
    text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return text or "0"


@register.inclusion_tag("dashboards/_site_panel.html", takes_context=True)
def dashboard_site_panel(context: dict[str, Any], site: Any) -> dict[str, Any]:
    """The site page's "at a glance" panel: the violent-crime chart and 12-month change from
    stored results, with links to the full dashboard and the brief (one query)."""
    from dashboards.selectors.site import site_glance

    return {"site": site, "glance": site_glance(site)}
