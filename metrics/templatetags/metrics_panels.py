"""The metrics app's panel on a site's page (an inclusion tag owned by this app)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Max

from metrics.models import ComparisonLink, DataQualityFlag, FlagStatus, MonthlyCount

register = template.Library()


@register.inclusion_tag("metrics/_site_panel.html", takes_context=True)
def metrics_site_panel(context: dict[str, Any], site: Any) -> dict[str, Any]:
    """Context for the panel: data through which month, open flags (two queries)."""
    through = MonthlyCount.objects.filter(site=site).aggregate(m=Max("month"))["m"]
    open_flags = DataQualityFlag.objects.filter(site=site, status=FlagStatus.OPEN).count()
    return {
        "site": site,
        "user": context["user"],
        "actions": context.get("actions", set()),
        "data_through": through,
        "open_flags": open_flags,
        "comparison_link": ComparisonLink.objects.filter(site=site).select_related("place").first(),
    }
