"""Spatial result rows over a site's geocoded incidents (docs/metrics.md §4, §7.1–§7.2):
concentration, Gi* hot spots, hot-spot stability and near-repeat (Knox).

The analysis period is the last 12 covered months, on a study area (the convex hull of its
incidents buffered by one cell) with a grid that adapts to its incidents; hot spots and
concentration are judged against random placement of the same incidents; stability compares
consecutive 12-month periods of equal length on one grid. Incidents DQ9 sets aside (stacked
on one point, far outside the site) stay in counts but leave these metrics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage

from metrics.compute import (
    concentration,
    dq9_incident_hygiene,
    hot_spot_stability,
    near_repeat_knox,
    project_equirectangular,
)
from metrics.compute.spatial import (
    DEFAULT_CELL_M,
    MIN_NEIGHBOURHOOD_INCIDENTS,
    StudyGrid,
    hot_spots_against_null,
    study_grid,
)
from metrics.engine.build.rows import Row, month_date
from metrics.engine.loaders import SiteInfo

MIN_INCIDENTS = 20
SEED = 20240101
KNOX_PERMUTATIONS = 99


def spatial_mask(incidents: pd.DataFrame, site: SiteInfo) -> pd.Series:
    """Incidents fit for spatial metrics: geocoded, not stacked on one point, not far outside
    the site (DQ9; the intake stores the findings themselves as flags)."""
    if incidents.empty:
        return pd.Series(dtype=bool)
    centroid = None
    if site.latitude is not None and site.longitude is not None:
        centroid = (site.latitude, site.longitude)
    return dq9_incident_hygiene(incidents, id_col="external_id", centroid=centroid).spatial_ok


def _ok_row(
    metric: str, params: dict[str, Any], value: dict[str, Any], method: str, through: dt.date | None
) -> Row:
    """A computed site-wide (offense empty) spatial result."""
    return Row(
        metric=metric,
        offense="",
        params=params,
        status="ok",
        value=value,
        method=method,
        data_through=through,
    )


def _stability_periods(period_end: dt.date, first_day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Consecutive 12-month periods ending at ``period_end``, oldest first, each wholly inside
    the data (starting on or after ``first_day``): equal lengths only (§7.2)."""
    periods = []
    end = pd.Timestamp(period_end)
    while True:
        start = (end - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date()
        if start < first_day:
            break
        periods.append((start, end.date()))
        end = pd.Timestamp(start) - pd.Timedelta(days=1)
    return periods[::-1]


def _stability_row(
    x: np.ndarray,
    y: np.ndarray,
    occurred: np.ndarray,
    periods: list[tuple[dt.date, dt.date]],
    cell_m: float,
    base_value: dict[str, Any],
    through: dt.date | None,
) -> Row:
    """S4 between consecutive equal 12-month periods on one grid (the analysis cell size) over
    the study area of all their incidents."""
    params = {"cell_m": cell_m}
    if len(periods) < 2:
        return Row(
            metric="hot_spot_stability",
            offense="",
            params=params,
            status="null",
            reason="fewer_than_two_periods",
            value=base_value,
            data_through=through,
        )
    masks = [(occurred >= np.datetime64(a)) & (occurred <= np.datetime64(b)) for a, b in periods]
    used = np.logical_or.reduce(masks)
    grid = study_grid(x[used], y[used], cell_m=cell_m)
    stab = hot_spot_stability([grid.area_counts(m[used]) for m in masks])
    return _ok_row(
        "hot_spot_stability",
        params,
        {
            **base_value,
            "periods": [f"{a:%Y-%m} – {b:%Y-%m}" for a, b in periods],
            "period_months": 12,
            "jaccard": stab.jaccard,
            "persistence": stab.persistence,
            "cell_m": cell_m,
            "study_area_cells": grid.n_cells,
        },
        "Jaccard and persistence of the top-5% cells, consecutive 12-month periods",
        through,
    )


def _none_if_nan(v: float | None) -> float | None:
    return None if v is None or np.isnan(v) else float(v)


def _concentration_row(
    counts: np.ndarray, cell_m: float, base_value: dict[str, Any], through: dt.date | None
) -> Row:
    """S1 with §7.2's null over the study-area cells."""
    conc = concentration(counts, seed=SEED)
    return _ok_row(
        "concentration",
        {"cell_m": cell_m},
        {
            **base_value,
            "n_units": conc.n_cells,
            "n_incidents": conc.n_incidents,
            "share_top5": conc.top5_share,
            "share_top5_reason": conc.top5_reason,
            "pct_units_50": 100.0 * conc.cells_for_50pct,
            "pct_units_25": 100.0 * conc.cells_for_25pct,
            "gini": conc.gini,
            "gini_generalized": conc.generalized_gini,
            "gini_generalized_null": _none_if_nan(conc.null_generalized_gini),
            "excess_over_null": _none_if_nan(conc.excess_over_null),
            "null_low": _none_if_nan(conc.null_low),
            "null_high": _none_if_nan(conc.null_high),
            "share_top5_random": conc.random_top5_share,
            "excess_top5": conc.excess_top5_share,
            "seed": conc.seed,
            "draws": conc.draws,
            "cell_m": cell_m,
            "study_area_cells": conc.n_cells,
        },
        (
            "study area = convex hull of the incidents buffered by one cell, adaptive grid; "
            "G′ against uniform multinomial placement of the same incidents"
        ),
        through,
    )


def _hot_spot_row(grid: StudyGrid, base_value: dict[str, Any], through: dt.date | None) -> Row:
    """S2 judged by §7.1: Gi* over the study area against random placement, family-wise."""
    hs = hot_spots_against_null(grid.counts, grid.area, seed=SEED)
    n_in = hs.n_incidents
    in_hot = int(grid.counts[hs.hot].sum())
    # Gi* speaks of a cell's neighbourhood: a hot cell may itself be nearly empty, so the
    # incidents "in" the hot spots are those of the hot cells and their study-area neighbours.
    hot_area = ndimage.binary_dilation(hs.hot, structure=np.ones((3, 3), dtype=bool)) & grid.area
    in_area = int(grid.counts[hot_area].sum())
    return _ok_row(
        "gistar_hotspots",
        {"cell_m": grid.cell_size_m, "permutations": hs.permutations},
        {
            **base_value,
            "n_hot": hs.n_hot,
            "incidents_in_hot": in_hot,
            "incidents_in_hot_areas": in_area,
            "pct_incidents_in_hot_areas": 100.0 * in_area / n_in if n_in else None,
            "pct_incidents_in_hot": 100.0 * in_hot / n_in if n_in else None,
            "threshold": hs.threshold,
            "threshold_kind": "gi_star_z",
            "null_hot_mean": hs.null_hot_mean,
            "null_hot_p95": hs.null_hot_p95,
            "null_placements": int(hs.null_hot.size),
            "permutations": hs.permutations,
            "min_neighbourhood_incidents": MIN_NEIGHBOURHOOD_INCIDENTS,
            "seed": hs.seed,
            "cell_m": grid.cell_size_m,
            "study_area_cells": hs.study_area_cells,
            "n_units": hs.study_area_cells,
            "n_incidents": n_in,
        },
        (
            "Getis-Ord Gi*, queen weights incl. self, over the study area; hot when z exceeds "
            "the 95th percentile of the largest z of 199 random placements and the "
            "neighbourhood holds >= 3 incidents"
        ),
        through,
    )


def spatial_rows(
    incidents: pd.DataFrame,
    spatial_ok: pd.Series,
    site: SiteInfo,
    period_end: dt.date,
    *,
    coverage_start: dt.date | None = None,
    min_cell_m: float = DEFAULT_CELL_M,
) -> list[Row]:
    """S1, S2, S4 and S5 for the 12 months ending ``period_end`` (site-wide, all incidents), on
    §7.1's study area and adaptive grid; stability over §7.2's equal 12-month periods from
    ``coverage_start`` (default: the first incident)."""
    start = pd.Timestamp(period_end) - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    period_start = start.date()
    through = month_date(pd.Period(period_end, freq="M"))
    base_value: dict[str, Any] = {
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "cell_unit": "m",
    }
    pts = incidents[spatial_ok.to_numpy()] if len(incidents) else incidents
    occurred = pts["occurred_on"].to_numpy(dtype="datetime64[D]")
    in_period = (occurred >= np.datetime64(period_start)) & (occurred <= np.datetime64(period_end))
    names = ("concentration", "gistar_hotspots", "hot_spot_stability", "near_repeat")
    if int(in_period.sum()) < MIN_INCIDENTS:
        return [
            Row(
                metric=name,
                offense="",
                params={"cell_m": min_cell_m} if name != "near_repeat" else {},
                status="null",
                reason="too_few_incidents",
                value={**base_value, "n_incidents": int(in_period.sum())},
                data_through=through,
            )
            for name in names
        ]
    origin = (
        (site.latitude, site.longitude)
        if site.latitude is not None and site.longitude is not None
        else None
    )
    x, y, _ = project_equirectangular(
        pts["latitude"].to_numpy(), pts["longitude"].to_numpy(), origin=origin
    )
    grid = study_grid(x[in_period], y[in_period], min_cell_m=min_cell_m)
    cell_m = grid.cell_size_m
    rows = [
        _concentration_row(grid.area_counts(), cell_m, base_value, through),
        _hot_spot_row(grid, base_value, through),
    ]
    first_day = coverage_start or occurred.min().astype(dt.date)
    rows.append(
        _stability_row(
            x,
            y,
            occurred,
            _stability_periods(period_end, first_day),
            cell_m,
            base_value,
            through,
        )
    )
    day = occurred.astype(np.int64)[in_period]
    knox = near_repeat_knox(
        x[in_period], y[in_period], day, permutations=KNOX_PERMUTATIONS, seed=SEED
    )
    rows.append(
        _ok_row(
            "near_repeat",
            {},
            {
                **base_value,
                "observed": knox.observed,
                "expected": knox.expected,
                "ratio": knox.ratio,
                "p": knox.p,
                "permutations": knox.permutations,
                "seed": knox.seed,
                "distance_bands_m": knox.distance_bands_m,
                "time_bands_days": knox.time_bands_days,
                "band_edges": "distance (lo, hi] except [0, 100]; days inclusive at both ends",
            },
            "Knox test, permuted times",
            through,
        )
    )
    return rows
