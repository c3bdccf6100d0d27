"""ORM → pandas: everything one site's metrics read, one query per input.

Incidents are read through a plain cursor (no model instances): 200,000 rows arrive as tuples
straight into a DataFrame.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection

from metrics.models import (
    DataQualityFlag,
    FlagStatus,
    Incident,
    MonthlyCount,
    StructuralBreak,
    Upload,
    UploadKind,
    UploadStatus,
)
from sites.models import Site

MONTHLY_COLUMNS = ["month", "offense", "count", "first_count", "status"]
INCIDENT_COLUMNS = [
    "occurred_on",
    "offense",
    "latitude",
    "longitude",
    "external_id",
    "killed",
    "injured",
]


@dataclass(frozen=True)
class SiteInfo:
    """What the engine needs to know about the site itself (no model instance)."""

    id: int
    slug: str
    name: str
    population: int | None
    population_year: int | None
    population_source: str
    latitude: float | None
    longitude: float | None
    engagement_start: dt.date | None

    @classmethod
    def from_site(cls, site: Site) -> SiteInfo:
        return cls(
            id=site.pk,
            slug=site.slug,
            name=site.name,
            population=site.population,
            population_year=site.population_year,
            population_source=site.population_source,
            latitude=None if site.latitude is None else float(site.latitude),
            longitude=None if site.longitude is None else float(site.longitude),
            engagement_start=site.engagement_start,
        )


@dataclass
class SiteInputs:
    """A site's outcome data as frames.

    ``monthly``: one row per stored monthly count (``month`` as ``pd.Period``).
    ``incidents``: one row per incident (``occurred_on`` as ``datetime64``).
    ``coverage``: (start, end) dates of every imported incident upload.
    ``flags``: the data-quality findings of the intake's rules that are not resolved, as
    ``{month, offense, rule, detail, status}`` (month statuses already follow them).
    ``breaks``: first months under a new records system (DQ5).
    """

    site: SiteInfo
    monthly: pd.DataFrame
    incidents: pd.DataFrame
    coverage: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    flags: list[dict[str, str | None]] = field(default_factory=list)
    breaks: list[dt.date] = field(default_factory=list)


def load_monthly(site_id: int) -> pd.DataFrame:
    """Every stored monthly count of the site (one query)."""
    rows = list(
        MonthlyCount.objects.filter(site_id=site_id)
        .order_by()
        .values_list("month", "offense__code", "count", "first_count", "status")
    )
    frame = pd.DataFrame(rows, columns=MONTHLY_COLUMNS)
    frame["month"] = pd.PeriodIndex(pd.to_datetime(frame["month"]), freq="M")
    return frame


def load_incidents(site_id: int) -> pd.DataFrame:
    """Every incident of the site (one query, raw tuples, no model instances)."""
    qs = (
        Incident.objects.filter(site_id=site_id)
        .order_by()
        .values_list(
            "occurred_on",
            "offense__code",
            "latitude",
            "longitude",
            "external_id",
            "killed",
            "injured",
        )
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=INCIDENT_COLUMNS)
    frame["occurred_on"] = pd.to_datetime(frame["occurred_on"])
    for col in ("latitude", "longitude"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def load_coverage(site_id: int) -> list[tuple[dt.date, dt.date]]:
    """Declared coverage of every imported incident upload (one query)."""
    rows = (
        Upload.objects.filter(
            site_id=site_id,
            kind=UploadKind.INCIDENTS,
            status=UploadStatus.IMPORTED,
            coverage_start__isnull=False,
            coverage_end__isnull=False,
        )
        .order_by("coverage_start", "id")
        .values_list("coverage_start", "coverage_end")
    )
    return [(a, b) for a, b in rows if a is not None and b is not None]  # filtered: narrows


def load_flags(site_id: int) -> list[dict[str, str | None]]:
    """Open and confirmed data-quality findings, as the export names them (one query)."""
    rows = (
        DataQualityFlag.objects.filter(site_id=site_id)
        .exclude(status=FlagStatus.RESOLVED)
        .order_by("rule", "month", "scope", "key")
        .values_list("month", "scope", "key", "rule", "detail", "status")
    )
    return [
        {
            "month": f"{month:%Y-%m}" if month else None,
            "offense": scope,
            "rule": rule,
            "detail": detail if not key or key in detail or month else f"{detail} ({key})",
            "status": status,
        }
        for month, scope, key, rule, detail, status in rows
    ]


def load_breaks(site_id: int) -> list[dt.date]:
    """Months from which the site's counts come from a new records system (one query)."""
    return list(
        StructuralBreak.objects.filter(site_id=site_id)
        .order_by("month")
        .values_list("month", flat=True)
    )


def load_site_inputs(site: Site) -> SiteInputs:
    """Everything the engine reads for ``site``: six queries whatever the data size."""
    return SiteInputs(
        site=SiteInfo.from_site(site),
        monthly=load_monthly(site.pk),
        incidents=load_incidents(site.pk),
        coverage=load_coverage(site.pk),
        flags=load_flags(site.pk),
        breaks=load_breaks(site.pk),
    )
