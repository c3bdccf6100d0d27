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


SITE_PLACE = ("Kansas", "Siteville")


def synthetic_pool(
    n_places: int = 40, effect: float = 1.0, seed: int = 1, site_shape: str = "same"
):
    """Monthly fatal/nonfatal counts for ``n_places`` places of 150k–300k people sharing a
    seasonal pattern; the site (200k) is multiplied by ``effect`` from Jan 2016."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2014-01", "2018-03", freq="M")
    season = 1 + 0.25 * np.sin(2 * np.pi * (months.month.to_numpy() - 4) / 12)
    places = {
        ("Kansas", f"Place {i}"): int(rng.integers(150_000, 300_000)) for i in range(n_places)
    }
    places[SITE_PLACE] = 200_000
    rows = []
    for key, pop in places.items():
        for offense, per_100k in (
            ("fatal_shooting_incidents", 1.5),
            ("nonfatal_shooting_incidents", 6.0),
        ):
            mean = per_100k * pop / 1e5 * season
            if key == SITE_PLACE:
                if site_shape == "spiky":
                    mean = mean * np.where(np.arange(len(months)) % 6 == 0, 6.0, 0.3)
                mean = mean * np.where(months >= pd.Period("2016-01", freq="M"), effect, 1.0)
            for m, c in zip(months, rng.poisson(mean), strict=True):
                if c:
                    rows.append((key[0], key[1], m.start_time.date(), offense, int(c)))
    frame = pd.DataFrame(rows, columns=["state", "name", "month", "offense", "count"])
    return frame, places


def store_pool(frame: pd.DataFrame, places: dict[tuple[str, str], int]) -> None:
    """Write a synthetic pool (``synthetic_pool``) to the database as a load would."""
    from metrics.models import ComparisonCount, ComparisonPlace, ComparisonPool

    ComparisonPool.objects.create(
        sha256="f" * 64,
        file_name="synthetic.csv",
        rows=int(frame["count"].sum()),
        places=len(places),
        coverage_start=dt.date(2014, 1, 1),
        coverage_end=dt.date(2018, 3, 31),
        source="synthetic test pool",
    )
    ids = {
        (state, name): ComparisonPlace.objects.create(
            state=state, name=name, state_code="KS", population=pop
        ).pk
        for (state, name), pop in places.items()
    }
    ComparisonCount.objects.bulk_create(
        ComparisonCount(place_id=ids[(s, n)], month=m, offense=o, count=c)
        for s, n, m, o, c in frame.itertuples(index=False)
    )
