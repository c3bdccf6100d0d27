"""Tier-3 panels (docs/metrics.md §8): ``{% site_comparisons_panel site %}`` on the site
dashboard and brief, ``{% portfolio_pooled_panel %}`` on the portfolio."""

from __future__ import annotations

from typing import Any

from django import template

from dashboards.selectors.comparative import CAUTION_TEXT, portfolio_pooled, site_comparisons
from sites.models import Site

register = template.Library()


@register.inclusion_tag("dashboards/_tier3.html", takes_context=True)
def site_comparisons_panel(context: Any, site: Site, brief: bool = False) -> dict[str, Any]:
    # The pre-registration the results rest on, read once by the page's summary (§8.5).
    dash = context.get("dash")
    summary = getattr(dash, "summary", None)
    return {
        "preregistration": getattr(summary, "preregistration", None),
        "site": site,
        "comparisons": site_comparisons(site),
        "brief": brief,
        "caution": CAUTION_TEXT,
    }


@register.inclusion_tag("dashboards/_pooled.html", takes_context=True)
def portfolio_pooled_panel(context: dict[str, Any], user: Any) -> dict[str, Any]:
    """The pooled estimates; sites outside ``visible_slugs`` (or, without it, outside the
    reader's sites) are counted but not named."""
    visible = context.get("visible_slugs")
    if visible is None:
        visible = set(Site.objects.for_user(user).values_list("slug", flat=True))
    return {"pooled": portfolio_pooled(set(visible)), "caution": CAUTION_TEXT}
