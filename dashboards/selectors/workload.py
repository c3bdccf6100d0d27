"""The workload view for program managers: TA activities and hours by liaison and by site over
the last 12 months (two aggregate queries, whatever the number of activities)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboards.selectors.common import month_text, months_back
from engagements.models import Activity
from metrics.charts import figure_dict, stacked_bar_figure
from sites.models import Site

if TYPE_CHECKING:
    from psp.accounts.models import User

MONTHS = 12


def _month(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _pivot(
    rows: Sequence[Mapping[str, Any]], key: str, label: str, months: list[dt.date]
) -> list[dict[str, Any]]:
    """Rows of (key, month, n, hours) → one line per key with hours per month and totals."""
    lines: dict[Any, dict[str, Any]] = {}
    for r in rows:
        line = lines.setdefault(
            r[key],
            {"label": r[label] or "Not recorded", "hours": defaultdict(Decimal), "n": 0},
        )
        line["hours"][_month(r["month"])] += r["hours"] or Decimal(0)
        line["n"] += r["n"]
    out = []
    for line in lines.values():
        cells = [line["hours"].get(m, Decimal(0)) for m in months]
        out.append(
            {
                "label": line["label"],
                "cells": cells,
                "activities": line["n"],
                "hours": sum(cells, Decimal(0)),
            }
        )
    return sorted(out, key=lambda x: x["label"].lower())


def workload(
    user: User, *, manager: int | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """Activities and hours per liaison (who logged them) and per site, month by month, over
    the sites ``user`` may see — narrowed to one program manager's sites when asked."""
    today = today or timezone.localdate()
    months = months_back(today, MONTHS)
    sites = Site.objects.for_user(user)
    if manager:
        sites = sites.filter(program_manager_id=manager)
    base = (
        Activity.objects.filter(site__in=sites, date__gte=months[0], date__lte=today)
        .annotate(month=TruncMonth("date"))
        .order_by()
    )
    by_person = list(
        base.values("logged_by", "logged_by__full_name", "month").annotate(
            n=Count("id"), hours=Sum("duration_hours")
        )
    )
    by_site = list(
        base.values("site", "site__name", "month").annotate(
            n=Count("id"), hours=Sum("duration_hours")
        )
    )
    people = _pivot(by_person, "logged_by", "logged_by__full_name", months)
    site_lines = _pivot(by_site, "site", "site__name", months)
    labels = [month_text(m) for m in months]
    fig = stacked_bar_figure(
        title="TA hours per month by liaison",
        categories=labels,
        series={p["label"]: [float(h) for h in p["cells"]] for p in people},
        y_title="Hours",
    )
    chart = {
        "id": "chart-workload",
        "figure": figure_dict(fig),
        "title": "TA hours per month by liaison",
        "caption": (
            f"Source: TA activities logged {month_text(months[0])} – {month_text(months[-1])}, "
            "by the person who logged them, counted when this page loaded."
        ),
        "headers": ["Liaison", *labels, "Total hours"],
        "rows": [
            [p["label"], *[f"{h:,.2f}" for h in p["cells"]], f"{p['hours']:,.2f}"] for p in people
        ],
    }
    return {
        "months": labels,
        "people": people,
        "sites": site_lines,
        "chart": chart,
        "totals": {
            "activities": sum(p["activities"] for p in people),
            "hours": sum((p["hours"] for p in people), Decimal(0)),
        },
    }


def manager_choices(user: User) -> list[tuple[int, str]]:
    """Program managers of the sites ``user`` may see (one query)."""
    rows = (
        Site.objects.for_user(user)
        .filter(program_manager__isnull=False)
        .order_by()
        .values_list("program_manager", "program_manager__full_name", "program_manager__email")
        .distinct()
    )
    return sorted({(pk, name or email) for pk, name, email in rows}, key=lambda kv: kv[1].lower())
