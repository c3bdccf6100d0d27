"""The headline block of the metrics panel: sentence with CI, evidence tier and caution, data
through, computed at, fresh or stale, and the recompute control for staff."""

from __future__ import annotations

from typing import Any

from django import template

from metrics.selectors.results import site_metrics_summary
from sites.permissions import SiteAction, can

register = template.Library()


@register.inclusion_tag("metrics/_headline.html", takes_context=True)
def metrics_headline(context: dict[str, Any], site: Any) -> dict[str, Any]:
    """Context for ``metrics/_headline.html`` (a constant number of queries)."""
    user = context["user"]
    summary = site_metrics_summary(site, user=user)
    return {
        "site": site,
        "summary": summary,
        "can_recompute": can(user, site, SiteAction.RECOMPUTE_METRICS),
    }
