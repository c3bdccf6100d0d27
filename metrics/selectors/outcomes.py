"""Reads of outcome data (counts, uploads, flags, incidents, trust), scoped to a site the caller
already may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Count, Max, Min, QuerySet

from metrics.models import (
    DataQualityFlag,
    FlagStatus,
    Incident,
    MonthlyCount,
    Offense,
    TrustMeasure,
    Upload,
    UploadKind,
    UploadStatus,
)
from sites.models import Site

GVA_ATTRIBUTION = "Incident data: Gun Violence Archive (gunviolencearchive.org)"


@dataclass
class MonthTable:
    """The latest months of a site's counts: one row per month, one column per offense."""

    offenses: list[Offense]
    rows: list[dict[str, Any]]
    data_through: dt.date | None
    first_month: dt.date | None


def month_table(site: Site, months: int = 12) -> MonthTable:
    """Counts of the last ``months`` months that have data (two queries)."""
    bounds = MonthlyCount.objects.filter(site=site).aggregate(last=Max("month"), first=Min("month"))
    last = bounds["last"]
    if last is None:
        return MonthTable([], [], None, None)
    start_index = last.year * 12 + last.month - 1 - (months - 1)
    start = dt.date(start_index // 12, start_index % 12 + 1, 1)
    cells: dict[tuple[dt.date, int], MonthlyCount] = {}
    offense_ids: set[int] = set()
    for mc in MonthlyCount.objects.filter(site=site, month__gte=start):
        cells[(mc.month, mc.offense_id)] = mc
        offense_ids.add(mc.offense_id)
    offenses = [o for o in Offense.objects.all() if o.pk in offense_ids]
    rows = []
    m = last
    while m >= start:
        rows.append({"month": m, "cells": [cells.get((m, o.pk)) for o in offenses]})
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return MonthTable(offenses, rows, last, bounds["first"])


def recent_uploads(site: Site, limit: int = 20) -> QuerySet[Upload]:
    return Upload.objects.filter(site=site).select_related("site", "uploaded_by")[:limit]


def open_flags(site: Site, limit: int = 50) -> QuerySet[DataQualityFlag]:
    return (
        DataQualityFlag.objects.filter(site=site, status=FlagStatus.OPEN)
        .select_related("offense")
        .order_by("rule", "-month", "scope", "key", "pk")[:limit]
    )


def decided_flags(site: Site, limit: int = 20) -> QuerySet[DataQualityFlag]:
    return (
        DataQualityFlag.objects.filter(site=site)
        .exclude(status=FlagStatus.OPEN)
        .select_related("offense", "resolved_by")
        .order_by("-resolved_at", "-pk")[:limit]
    )


class IncidentSource(TypedDict):
    """One row of the data page's incident sources table."""

    source: str
    n: int
    first: dt.date | None
    last: dt.date | None
    coverage: tuple[dt.date | None, dt.date | None] | None
    attribution: str


def incident_sources(site: Site) -> list[IncidentSource]:
    """Incidents per source with their date range and the coverage declared by uploads."""
    rows = (
        Incident.objects.filter(site=site)
        .values("source")
        .annotate(n=Count("id"), first=Min("occurred_on"), last=Max("occurred_on"))
        .order_by("source")
    )
    coverage = {
        r["source"]: (r["start"], r["end"])
        for r in Upload.objects.filter(
            site=site, kind=UploadKind.INCIDENTS, status=UploadStatus.IMPORTED
        )
        .values("source")
        .annotate(start=Min("coverage_start"), end=Max("coverage_end"))
    }
    return [
        IncidentSource(
            source=r["source"],
            n=r["n"],
            first=r["first"],
            last=r["last"],
            coverage=coverage.get(r["source"]),
            attribution=GVA_ATTRIBUTION if r["source"] == "gva" else "",
        )
        for r in rows
    ]


def trust_measures(site: Site, limit: int = 20) -> QuerySet[TrustMeasure]:
    return TrustMeasure.objects.filter(site=site).order_by("-period_start", "measure")[:limit]


def has_demo_counts(site: Site) -> bool:
    return Upload.objects.filter(
        site=site, kind=UploadKind.MONTHLY_COUNTS, is_demo=True, status=UploadStatus.IMPORTED
    ).exists()
