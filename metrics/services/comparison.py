"""Loading the national comparison pool and linking sites to their place in it
(docs/metrics.md §8.1, §9.6). Every write here is all-or-nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction

from metrics.intake.incidents import classify
from metrics.models import ComparisonCount, ComparisonLink, ComparisonPlace, ComparisonPool
from sites.models import Site
from sites.onboarding.gazetteer import GEONAMES_SOURCE, city_populations, normalise
from sites.states import STATE_NAMES

POOL_COLUMNS = (
    "incident_id",
    "date",
    "state",
    "city_or_county",
    "n_killed",
    "n_injured",
    "incident_characteristics",
)
POOL_SOURCE = "Incident data: Gun Violence Archive (gunviolencearchive.org)"
MAX_PROBLEMS = 20
_BATCH = 10_000

Progress = Callable[[str], None]


class PoolRejected(ValueError):
    """The pool file was refused; ``problems`` name row (file line) and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ComparisonLinkError(ValueError):
    """A site could not be linked (the place is not in the pool, or no pool is loaded)."""


@dataclass(frozen=True)
class PoolLoadResult:
    pool: ComparisonPool
    created: bool  # False when the same file was already loaded (nothing written)
    counts: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _line(index: Any) -> int:
    return int(index) + 2  # line 1 is the header


def read_pool_file(path: Path) -> pd.DataFrame:
    """Read and check the pool file; raise :class:`PoolRejected` naming row and column."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, compression="infer")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PoolRejected([f"the file cannot be read as CSV: {exc}"]) from exc
    missing = [c for c in POOL_COLUMNS if c not in frame.columns]
    if missing:
        raise PoolRejected([f"column {c!r} is missing (row 1, the header)" for c in missing])
    problems: list[str] = []

    def note(mask: pd.Series, column: str, reason: str) -> None:
        for index in mask[mask].index[: MAX_PROBLEMS - len(problems)]:
            value = frame.at[index, column]
            problems.append(f"row {_line(index)}, column {column!r}: {reason} ({value!r})")

    ids = pd.to_numeric(frame["incident_id"], errors="coerce")
    note(ids.isna() | (ids < 0) | (ids % 1 != 0), "incident_id", "not a whole number")
    note(frame["incident_id"].duplicated(keep="first"), "incident_id", "duplicate id")
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    note(dates.isna(), "date", "not a date in YYYY-MM-DD form")
    for column in ("state", "city_or_county"):
        note(frame[column].str.strip() == "", column, "empty")
    for column in ("n_killed", "n_injured"):
        values = pd.to_numeric(frame[column], errors="coerce")
        note(values.isna() | (values < 0) | (values % 1 != 0), column, "not a whole number ≥ 0")
    if problems:
        raise PoolRejected(problems)
    frame["date"] = dates
    for column in ("state", "city_or_county"):
        frame[column] = frame[column].str.strip()
    frame["n_killed"] = pd.to_numeric(frame["n_killed"]).astype(int)
    frame["n_injured"] = pd.to_numeric(frame["n_injured"]).astype(int)
    if frame.empty:
        raise PoolRejected(["the file has no rows"])
    return frame


def aggregate_pool(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts per (state, city_or_county, month, offense) of the classified rows."""
    offense = classify(frame["n_killed"], frame["n_injured"], frame["incident_characteristics"])
    grouped = (
        pd.DataFrame(
            {
                "state": frame["state"],
                "name": frame["city_or_county"],
                "month": frame["date"].dt.to_period("M").dt.start_time.dt.date,
                "offense": offense,
            }
        )
        .dropna(subset=["offense"])
        .groupby(["state", "name", "month", "offense"], sort=True)
        .size()
        .rename("count")
        .reset_index()
    )
    return grouped


def _place_rows(frame: pd.DataFrame) -> list[ComparisonPlace]:
    codes = {name.casefold(): code for code, name in STATE_NAMES.items()}
    cities = city_populations()
    totals = frame.groupby(["state", "city_or_county"]).size()
    places = []
    for (state, name), n in totals.items():
        code = codes.get(str(state).strip().casefold(), "")
        city = cities.get((code, normalise(str(name)))) if code else None
        places.append(
            ComparisonPlace(
                state=str(state).strip(),
                name=str(name).strip(),
                state_code=code,
                population=city.population if city else None,
                population_source=GEONAMES_SOURCE if city else "",
                incidents=int(n),
            )
        )
    return places


def load_comparison_pool(
    path: Path, *, user: Any = None, progress: Progress = lambda _msg: None
) -> PoolLoadResult:
    """Load ``path`` (CSV, optionally gzip) as the comparison pool, replacing the counts of
    any earlier load in one transaction; the same file twice writes nothing."""
    sha = _sha256(path)
    existing = ComparisonPool.objects.filter(sha256=sha).first()
    if existing is not None and existing == ComparisonPool.objects.first():
        progress(f"{path.name} is already the loaded pool ({existing.rows:,} rows): nothing to do")
        return PoolLoadResult(existing, False, ComparisonCount.objects.count())
    progress(f"reading {path.name}")
    frame = read_pool_file(path)
    progress(f"checked {len(frame):,} rows")
    counts = aggregate_pool(frame)
    places = _place_rows(frame)
    progress(f"{len(places):,} places, {len(counts):,} place-month-offense counts")
    start = frame["date"].min().to_period("M").start_time.date()
    end = frame["date"].max().to_period("M").end_time.date()
    with transaction.atomic():
        ComparisonPlace.objects.bulk_create(
            places,
            update_conflicts=True,
            unique_fields=["state", "name"],
            update_fields=["state_code", "population", "population_source", "incidents"],
            batch_size=_BATCH,
        )
        ids = {
            (s, n): pk for pk, s, n in ComparisonPlace.objects.values_list("id", "state", "name")
        }
        ComparisonCount.objects.all().delete()
        rows = [
            ComparisonCount(place_id=ids[(s, n)], month=m, offense=o, count=int(c))
            for s, n, m, o, c in counts.itertuples(index=False)
        ]
        for i in range(0, len(rows), _BATCH):
            ComparisonCount.objects.bulk_create(rows[i : i + _BATCH])
            progress(f"wrote {min(i + _BATCH, len(rows)):,} of {len(rows):,} counts")
        ComparisonPool.objects.filter(sha256=sha).delete()
        pool = ComparisonPool.objects.create(
            sha256=sha,
            file_name=path.name,
            rows=len(frame),
            places=len(places),
            coverage_start=start,
            coverage_end=end,
            source=POOL_SOURCE,
            loaded_by=user,
            loaded_at=dt.datetime.now(dt.UTC),
        )
    return PoolLoadResult(pool, True, len(rows))


def find_place(state: str, name: str) -> ComparisonPlace | None:
    """The pool's place spelled ``name`` in ``state`` (state as a name or USPS code;
    case-insensitive)."""
    state = state.strip()
    code = state.upper() if state.upper() in STATE_NAMES else ""
    qs = ComparisonPlace.objects.filter(name__iexact=name.strip())
    qs = qs.filter(state_code=code) if code else qs.filter(state__iexact=state)
    return qs.first()


def suggest_places(site: Site, limit: int = 5) -> list[ComparisonPlace]:
    """Places of the site's state whose name matches the site's, most incidents first."""
    qs = ComparisonPlace.objects.filter(state_code=site.state)
    exact = list(qs.filter(name__iexact=site.name)[:1])
    others = qs.filter(name__icontains=site.name.split(",")[0].strip()).exclude(
        pk__in=[p.pk for p in exact]
    )
    return exact + list(others.order_by("-incidents")[: limit - len(exact)])


def link_comparison_place(site: Site, state: str, name: str, *, user: Any = None) -> ComparisonLink:
    """Link ``site`` to its place in the pool (replacing an earlier link)."""
    if not ComparisonPool.objects.exists():
        raise ComparisonLinkError(
            "No comparison pool is loaded: run manage.py load_comparison_pool."
        )
    place = find_place(state, name)
    if place is None:
        raise ComparisonLinkError(
            f"{name!r} in {state!r} is not in the comparison pool; spell the state and place "
            "as the pool does (for example --state 'Maryland' --place 'Baltimore')."
        )
    link, _ = ComparisonLink.objects.update_or_create(
        site=site, defaults={"place": place, "linked_by": user}
    )
    return link


def unlink_comparison_place(site: Site) -> None:
    ComparisonLink.objects.filter(site=site).delete()
