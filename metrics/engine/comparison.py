"""ORM → pandas for tier 3 (docs/metrics.md §8, §9.6): the comparison pool as the engine
needs it for one site, and the cheap stand-in the inputs fingerprint hashes instead.

Only places with a population can be donors (the rates need one), so only their counts are
read, with the site's own linked place: about 2,700 places and 40,000 count rows for the GVA
pool, one query each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import Q

from metrics.models import ComparisonCount, ComparisonLink, ComparisonPlace, ComparisonPool
from sites.models import Site

# The pool's offenses that tier 3 compares (docs/metrics.md §8.2).
OUTCOMES = ("fatal_shooting_incidents", "nonfatal_shooting_incidents")


@dataclass(frozen=True)
class ComparisonInput:
    """The pool as one site's tier-3 metrics read it.

    ``places``: ``id, label, population`` of every place with a population (and the site's).
    ``counts``: ``place_id, month`` (``pd.Period``), ``offense, count`` for those places; a
    month of the coverage with no row is a true zero.
    ``excluded``: places that are PSP sites (linked to a site, or spelled as one), never donors.
    """

    pool_id: int
    coverage_start: dt.date
    coverage_end: dt.date
    source: str
    site_place: int | None
    site_place_label: str
    places: pd.DataFrame
    counts: pd.DataFrame
    excluded: frozenset[int]


def _excluded_places() -> list[int]:
    linked = set(ComparisonLink.objects.values_list("place_id", flat=True))
    spelled = Q()
    for name, state in Site.objects.values_list("name", "state"):
        spelled |= Q(name__iexact=name, state_code=state)
    if spelled:
        linked |= set(ComparisonPlace.objects.filter(spelled).values_list("id", flat=True))
    return sorted(linked)


def comparison_stand_in(site: Site) -> list[Any] | None:
    """What changes whenever :func:`read_comparison` would: the loaded pool, the site's
    link and the set of places excluded as PSP sites (three small queries)."""
    pool = ComparisonPool.objects.values_list("sha256", flat=True).first()
    if pool is None:
        return None
    link = ComparisonLink.objects.filter(site_id=site.pk).values_list("place_id", flat=True)
    return [pool, link.first(), _excluded_places()]


def read_comparison(site: Site) -> ComparisonInput | None:
    """The pool for ``site`` (None when no pool is loaded)."""
    pool = ComparisonPool.objects.first()
    if pool is None:
        return None
    link = ComparisonLink.objects.filter(site_id=site.pk).select_related("place").first()
    site_place = link.place_id if link else None
    wanted = Q(population__isnull=False) | Q(pk=site_place)
    places = pd.DataFrame.from_records(
        list(
            ComparisonPlace.objects.filter(wanted)
            .order_by("id")
            .values_list("id", "name", "state", "population")
        ),
        columns=["id", "name", "state", "population"],
    )
    places["label"] = places["name"] + ", " + places["state"]
    qs = (
        ComparisonCount.objects.filter(offense__in=OUTCOMES)
        .filter(Q(place__population__isnull=False) | Q(place_id=site_place))
        .order_by()
        .values_list("place_id", "month", "offense", "count")
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts = pd.DataFrame.from_records(rows, columns=["place_id", "month", "offense", "count"])
    counts["month"] = pd.PeriodIndex(pd.to_datetime(counts["month"]), freq="M")
    return ComparisonInput(
        pool_id=pool.pk,
        coverage_start=pool.coverage_start,
        coverage_end=pool.coverage_end,
        source=pool.source,
        site_place=site_place,
        site_place_label=str(link.place) if link else "",
        places=places[["id", "label", "population"]],
        counts=counts,
        excluded=frozenset(_excluded_places()),
    )


def pool_input(
    aggregated: pd.DataFrame,
    populations: dict[tuple[str, str], int | None],
    *,
    coverage: tuple[dt.date, dt.date],
    site_place: tuple[str, str] | None = None,
    excluded: tuple[tuple[str, str], ...] = (),
    source: str = "",
) -> ComparisonInput:
    """A :class:`ComparisonInput` straight from a pool's aggregated counts (columns ``state,
    name, month, offense, count``) without the database: what the benchmark and the
    honest-inference check use to run tier 3 on places that are not sites."""
    keys = sorted({(s, n) for s, n in zip(aggregated["state"], aggregated["name"], strict=True)})
    ids = {key: i + 1 for i, key in enumerate(keys)}
    places = pd.DataFrame(
        [
            {"id": ids[k], "label": f"{k[1]}, {k[0]}", "population": populations.get(k)}
            for k in keys
            if populations.get(k) is not None or k == site_place
        ],
        columns=["id", "label", "population"],
    )
    keep = set(places["id"])
    place_ids = [ids[(s, n)] for s, n in zip(aggregated["state"], aggregated["name"], strict=True)]
    counts = pd.DataFrame(
        {
            "place_id": place_ids,
            "month": pd.PeriodIndex(pd.to_datetime(aggregated["month"]), freq="M"),
            "offense": aggregated["offense"].to_numpy(),
            "count": aggregated["count"].to_numpy(),
        }
    )
    counts = counts[counts["place_id"].isin(keep) & counts["offense"].isin(OUTCOMES)]
    return ComparisonInput(
        pool_id=0,
        coverage_start=coverage[0],
        coverage_end=coverage[1],
        source=source,
        site_place=ids.get(site_place) if site_place else None,
        site_place_label=f"{site_place[1]}, {site_place[0]}" if site_place else "",
        places=places,
        counts=counts.reset_index(drop=True),
        excluded=frozenset(ids[k] for k in excluded if k in ids),
    )
