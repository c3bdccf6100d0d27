"""Outcome data for engine tests, built in code (the intake engineer's import services are not
needed to test the engine: rows are written directly, as the importer would leave them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from metrics.models import Incident, MonthlyCount, Offense, Upload, UploadKind, UploadStatus
from sites.models import Site


def month_range(start: str, n: int) -> list[dt.date]:
    first = pd.Period(start, freq="M")
    return [dt.date(p.year, p.month, 1) for p in pd.period_range(first, periods=n, freq="M")]


def add_monthly(
    site: Site,
    offense: str,
    start: str,
    counts: Sequence[int | None],
    *,
    status: Mapping[int, str] | None = None,
) -> None:
    """Monthly counts from ``start``; ``None`` leaves the month without a row (missing)."""
    off = Offense.objects.get(code=offense)
    objs = []
    for i, (month, count) in enumerate(zip(month_range(start, len(counts)), counts, strict=True)):
        if count is None:
            continue
        objs.append(
            MonthlyCount(
                site=site,
                month=month,
                offense=off,
                count=count,
                first_count=count,
                status=(status or {}).get(i, "reported"),
            )
        )
    MonthlyCount.objects.bulk_create(objs)


def add_violent_components(
    site: Site, start: str, months: int, means: Mapping[str, float], *, seed: int = 1
) -> None:
    """Poisson monthly counts for the four violent-crime components."""
    rng = np.random.default_rng(seed)
    for code, mean in means.items():
        add_monthly(site, code, start, [int(v) for v in rng.poisson(mean, months)])


def incident_upload(
    site: Site, start: dt.date, end: dt.date, *, name: str = "incidents.csv", inferred: bool = False
) -> Upload:
    return Upload.objects.create(
        site=site,
        kind=UploadKind.INCIDENTS,
        file=f"{site.pk}/{name}",
        original_name=name,
        sha256=f"{name}-{site.pk}-{start}-{end}".ljust(64, "0")[:64],
        status=UploadStatus.IMPORTED,
        coverage_start=start,
        coverage_end=end,
        coverage_inferred=inferred,
        source="gva",
    )


def add_incidents(
    site: Site,
    rows: Iterable[tuple[str, dt.date, str | None, float | None, float | None]],
    *,
    upload: Upload | None = None,
    source: str = "gva",
) -> int:
    """Incidents as (external id, date, offense code, lat, lon)."""
    offenses = {o.code: o for o in Offense.objects.all()}
    objs = [
        Incident(
            site=site,
            source=source,
            external_id=ext,
            occurred_on=day,
            offense=offenses[code] if code else None,
            latitude=lat,
            longitude=lon,
            upload=upload,
        )
        for ext, day, code, lat, lon in rows
    ]
    Incident.objects.bulk_create(objs, batch_size=2000)
    return len(objs)
