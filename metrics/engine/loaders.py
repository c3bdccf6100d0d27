"""ORM → pandas: everything one site's metrics read, declared once in :data:`SITE_INPUTS`.

Each input says how it is read (one query), what the engine gets from it, and what the inputs
fingerprint (:mod:`metrics.engine.fingerprint`) hashes of it, so nothing can be loaded without
also being fingerprinted. A value read for the fingerprint is passed on to the loading (the
compute reads each input once). Incidents are read through a plain cursor (no model
instances): 200,000 rows arrive as tuples straight into a DataFrame.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import Count, Max, Min, Subquery, Sum
from django.db.models.functions import Coalesce

from metrics.engine.comparison import ComparisonInput, comparison_stand_in, read_comparison
from metrics.models import (
    DataQualityFlag,
    FlagStatus,
    Incident,
    IncidentAggregate,
    IncidentVersion,
    MonthlyCount,
    StructuralBreak,
    Upload,
    UploadKind,
    UploadStatus,
)
from sites.models import Site
from sites.selectors import site_population_rows

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

    # Identity only: no result depends on them, so renaming a site leaves its results fresh.
    id: int = field(metadata={"identity": True})
    slug: str = field(metadata={"identity": True})
    name: str = field(metadata={"identity": True})
    population: int | None
    population_year: int | None
    population_source: str
    latitude: float | None
    longitude: float | None
    engagement_start: dt.date | None
    # (year, population, source) by year: rates use the population of their year (§7.6).
    populations: tuple[tuple[int, int, str], ...] = ()

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
            populations=tuple(site_population_rows(site)),
        )

    def computed_from(self) -> list[Any]:
        """The fields results are computed from (every field but the identity ones)."""
        return [getattr(self, f.name) for f in fields(self) if not f.metadata.get("identity")]


@dataclass
class SiteInputs:
    """A site's outcome data as frames.

    ``monthly``: one row per stored monthly count (``month`` as ``pd.Period``).
    ``incidents``: one row per incident (``occurred_on`` as ``datetime64``).
    ``coverage``: (start, end, declared) of every imported incident upload.
    ``flags``: the data-quality findings of the intake's rules that are not resolved, as
    ``{month, offense, rule, detail, status}`` (month statuses already follow them).
    ``breaks``: first months under a new records system (DQ5).
    ``comparison``: the national comparison pool for tier 3 (None when none is loaded).
    """

    site: SiteInfo
    monthly: pd.DataFrame
    incidents: pd.DataFrame
    coverage: list[tuple[dt.date, dt.date, bool]] = field(default_factory=list)
    flags: list[dict[str, str | None]] = field(default_factory=list)
    breaks: list[dt.date] = field(default_factory=list)
    comparison: ComparisonInput | None = None


def read_monthly(site: Site) -> list[tuple[Any, ...]]:
    """Every stored monthly count of the site, in a stable order (one query)."""
    return list(
        MonthlyCount.objects.filter(site_id=site.pk)
        .order_by("month", "offense__code")
        .values_list("month", "offense__code", "count", "first_count", "status")
    )


def monthly_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=MONTHLY_COLUMNS)
    frame["month"] = pd.PeriodIndex(pd.to_datetime(frame["month"]), freq="M")
    return frame


def read_incidents(site: Site) -> list[tuple[Any, ...]]:
    """Every incident of the site (one query, raw tuples, no model instances)."""
    qs = (
        Incident.objects.filter(site_id=site.pk)
        .order_by()
        .values_list(*[c if c != "offense" else "offense__code" for c in INCIDENT_COLUMNS])
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def incidents_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=INCIDENT_COLUMNS)
    frame["occurred_on"] = pd.to_datetime(frame["occurred_on"])
    for col in ("latitude", "longitude"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def _json_default(obj: Any) -> str:
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return str(obj)


def incident_aggregate(site: Site) -> list[Any]:
    """The fingerprint's aggregate of the site's incidents per upload and offense (count, id
    sum, date range, casualties, geocoded count), as JSON values.

    Aggregating 200,000 incidents takes ~60 ms, so the result is kept in
    :class:`IncidentAggregate` with the site's :class:`IncidentVersion` (which database triggers
    move on every write to its incidents) and reused while that version has not moved. The
    version is read before the aggregate: a write committed in between makes the kept copy
    older than its data, never newer, so it can only be recomputed once too often.
    """
    current = IncidentVersion.objects.filter(site_id=site.pk).values("version")
    kept = (
        IncidentAggregate.objects.filter(
            site_id=site.pk, version=Coalesce(Subquery(current[:1]), 0)
        )
        .values_list("version", "rows")
        .first()
    )
    if kept is not None:
        return [kept[0], list(kept[1])]
    version = current.values_list("version", flat=True).first() or 0  # before the aggregate
    rows = (
        Incident.objects.filter(site=site)
        .order_by()
        .values("upload_id", "offense_id")
        .annotate(
            n=Count("id"),
            ids=Sum("id"),
            last=Max("id"),
            first_day=Min("occurred_on"),
            last_day=Max("occurred_on"),
            killed=Sum("killed"),
            injured=Sum("injured"),
            geocoded=Count("latitude"),
        )
        .order_by("upload_id", "offense_id")
    )
    # Through JSON once, so the kept copy and a fresh one hash the same.
    aggregate = json.loads(json.dumps([sorted(row.items()) for row in rows], default=_json_default))
    IncidentAggregate.objects.bulk_create(
        [IncidentAggregate(site_id=site.pk, version=version, rows=aggregate)],
        update_conflicts=True,
        unique_fields=["site"],
        update_fields=["version", "rows"],
    )
    return [version, aggregate]


def read_coverage(site: Site) -> list[tuple[dt.date, dt.date, bool]]:
    """Coverage of every imported incident upload: (first month, last month, declared) — the
    last is False when the intake inferred it from the incidents (one query)."""
    rows = (
        Upload.objects.filter(
            site_id=site.pk,
            kind=UploadKind.INCIDENTS,
            status=UploadStatus.IMPORTED,
            coverage_start__isnull=False,
            coverage_end__isnull=False,
        )
        .order_by("coverage_start", "id")
        .values_list("coverage_start", "coverage_end", "coverage_inferred")
    )
    return [(a, b, not inferred) for a, b, inferred in rows if a is not None and b is not None]


def read_flags(site: Site) -> list[dict[str, str | None]]:
    """Open and confirmed data-quality findings, as the export names them (one query)."""
    rows = (
        DataQualityFlag.objects.filter(site_id=site.pk)
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


def read_breaks(site: Site) -> list[dt.date]:
    """Months from which the site's counts come from a new records system (one query)."""
    return list(
        StructuralBreak.objects.filter(site_id=site.pk)
        .order_by("month")
        .values_list("month", flat=True)
    )


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class SiteInput:
    """One stored input of a site's metrics: the :class:`SiteInputs` field ``name`` is
    ``load(read(site))``; the fingerprint hashes ``hashed(read(site))``, or — for an input too
    large to read on every page — ``stand_in(site)``, a cheaper value that must change whenever
    ``read`` would."""

    name: str
    read: Callable[[Site], Any]
    load: Callable[[Any], Any] = _same
    hashed: Callable[[Any], Any] = _same
    stand_in: Callable[[Site], Any] | None = None


SITE_INPUTS: tuple[SiteInput, ...] = (
    SiteInput("site", read=SiteInfo.from_site, hashed=SiteInfo.computed_from),
    SiteInput("monthly", read=read_monthly, load=monthly_frame),
    # The per-offense aggregate with the triggers' version: any write to an incident moves it,
    # also one the aggregate cannot see (a coordinate or an id corrected).
    SiteInput("incidents", read=read_incidents, load=incidents_frame, stand_in=incident_aggregate),
    SiteInput("coverage", read=read_coverage),
    SiteInput("flags", read=read_flags),
    SiteInput("breaks", read=read_breaks),
    # The pool is large and the same for every site: the fingerprint hashes the pool's sha256,
    # the site's link and the places excluded as PSP sites instead (docs/metrics.md §9.6).
    SiteInput("comparison", read=read_comparison, stand_in=comparison_stand_in),
)

# What has been read of each input in this compute, by name (see ``read_input``).
Reads = dict[str, Any]


def read_input(site: Site, item: SiteInput, reads: Reads) -> Any:
    """``item.read(site)``, once per compute: kept in ``reads`` for the next caller."""
    if item.name not in reads:
        reads[item.name] = item.read(site)
    return reads[item.name]


def load_site_inputs(site: Site, *, reads: Reads | None = None) -> SiteInputs:
    """Everything the engine reads for ``site``: one query per input whatever the data size,
    none for an input already in ``reads`` (read for the fingerprint of the same compute)."""
    reads = {} if reads is None else reads
    return SiteInputs(**{i.name: i.load(read_input(site, i, reads)) for i in SITE_INPUTS})
