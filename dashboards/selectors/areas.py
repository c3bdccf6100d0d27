"""The core-area view: one of PSP's eight core areas across the portfolio — which sites
prioritise it, the TA delivered in it, its action items, and the outcomes it aims at (stored
12-month trends, listed by site name: the dashboards never rank cities against each other)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboards.selectors.common import StoredResult, month_text, months_back, trend_from_result
from dashboards.selectors.portfolio import core_area_rollup
from engagements.models import ActionItem, Activity, CoreArea, Engagement
from engagements.models.activities import LIVE_ACTIVITY
from engagements.models.plans import ActionItemStatus
from metrics.charts import figure_dict, stacked_bar_figure
from metrics.models import MetricResult
from metrics.offenses import offense_label
from psp.core import dataversion
from sites.models import Site

if TYPE_CHECKING:
    from psp.accounts.models import User

# The outcomes each core area is meant to move (violent crime for all; gun violence also its
# shootings and homicides).
AREA_OUTCOMES: dict[str, list[str]] = {
    "gun_violence": ["violent_crime", "homicide", "nonfatal_shooting_victims"],
}
DEFAULT_OUTCOMES = ["violent_crime"]


def core_area_index(user: User, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every core area over the sites ``user`` may see (five queries; two while the data has not
    changed since the last view: ``psp.core.dataversion``)."""
    today = today or timezone.localdate()

    def compute() -> list[dict[str, Any]]:
        ids = list(Site.objects.for_user(user).values_list("pk", flat=True))
        return core_area_rollup(ids, today)

    return dataversion.cached("core-areas", user, (today,), compute)


def core_area_detail(user: User, area: CoreArea, today: dt.date | None = None) -> dict[str, Any]:
    """One core area across the sites ``user`` may see, in a constant number of queries."""
    today = today or timezone.localdate()
    visible = Site.objects.for_user(user)
    engagements = list(
        Engagement.objects.filter(core_area=area, site__in=visible)
        .select_related("site", "site__cohort", "lead")
        .annotate(
            open_items=Count("action_items", filter=~Q(action_items__status="complete")),
            overdue_items=Count(
                "action_items",
                filter=~Q(action_items__status="complete") & Q(action_items__due_on__lt=today),
            ),
            done_items=Count("action_items", filter=Q(action_items__status="complete")),
        )
        .order_by("site__name")
    )
    site_ids = [e.site_id for e in engagements]
    through = Activity.core_areas.through
    in_area = through.objects.filter(LIVE_ACTIVITY, corearea=area, activity__site__in=visible)
    year_ago = today - dt.timedelta(days=365)
    per_site = {
        r["activity__site"]: r
        for r in in_area.values("activity__site").annotate(
            n=Count("activity"),
            hours=Sum("activity__duration_hours"),
            n_year=Count("activity", filter=Q(activity__date__gt=year_ago)),
            hours_year=Sum("activity__duration_hours", filter=Q(activity__date__gt=year_ago)),
            last=Max("activity__date"),
        )
    }
    months = months_back(today, 12)
    # The ignore: django-stubs' values() misses annotations made on an auto-created through model.
    monthly = {
        (r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]): r
        for r in in_area.filter(activity__date__gte=months[0])  # type: ignore[misc]
        .annotate(month=TruncMonth("activity__date"))
        .values("month")
        .annotate(n=Count("activity"), hours=Sum("activity__duration_hours"))
    }
    fig = stacked_bar_figure(
        title=f"{area.name}: TA hours per month",
        categories=[month_text(m) for m in months],
        series={"Hours": [float((monthly.get(m) or {}).get("hours") or 0) for m in months]},
        y_title="Hours",
    )
    chart = {
        "id": "chart-area-ta",
        "figure": figure_dict(fig),
        "title": f"{area.name}: TA hours per month, last 12 months",
        "caption": (
            f"Source: TA activities logged in {area.name.lower()} at the sites you can see, "
            f"{month_text(months[0])} – {month_text(months[-1])}, counted when this page loaded."
        ),
        "headers": ["Month", "Activities", "Hours"],
        "rows": [
            [
                month_text(m),
                f"{(monthly.get(m) or {}).get('n') or 0:,}",
                f"{(monthly.get(m) or {}).get('hours') or Decimal(0):,.2f}",
            ]
            for m in months
        ],
    }
    statuses = dict(
        ActionItem.objects.filter(engagement__core_area=area, engagement__site__in=visible)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    status_rows = [(s.label, statuses.get(s.value, 0)) for s in ActionItemStatus]
    offenses = AREA_OUTCOMES.get(area.code, DEFAULT_OUTCOMES)
    stored: dict[tuple[int, str], StoredResult] = {
        (r["site_id"], r["offense"]): r
        for r in MetricResult.objects.filter(
            site_id__in=site_ids, metric="rolling_12m", offense__in=offenses
        ).values("site_id", "offense", "status", "reason", "value", "computed_at", "data_through")
    }
    rows = []
    for e in engagements:
        ta: Mapping[str, Any] = per_site.get(e.site_id, {})
        rows.append(
            {
                "engagement": e,
                "activities": ta.get("n") or 0,
                "hours": ta.get("hours") or Decimal(0),
                "activities_year": ta.get("n_year") or 0,
                "hours_year": ta.get("hours_year") or Decimal(0),
                "last": ta.get("last"),
                "outcomes": [
                    (offense_label(o), trend_from_result(stored.get((e.site_id, o))))
                    for o in offenses
                ],
            }
        )
    # TA in this area at sites that have not prioritised it.
    other_sites = set(per_site) - set(site_ids)
    return {
        "area": area,
        "rows": rows,
        "chart": chart,
        "status_rows": status_rows,
        "outcome_labels": [offense_label(o) for o in offenses],
        "other_sites_with_ta": len(other_sites),
        "totals": {
            "activities": sum(r.get("n") or 0 for r in per_site.values()),
            "hours": sum((r.get("hours") or Decimal(0) for r in per_site.values()), Decimal(0)),
        },
        "today": today,
    }
