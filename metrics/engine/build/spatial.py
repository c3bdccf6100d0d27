"""Spatial result rows over a site's geocoded incidents (docs/metrics.md §4): concentration,
Gi* hot spots, hot-spot stability and near-repeat (Knox).

The analysis period is the last 12 covered months; stability compares consecutive calendar
years on one common grid. Incidents DQ9 sets aside (stacked on one point, far outside the site)
stay in counts but leave these metrics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from metrics.compute import (
    concentration,
    dq9_incident_hygiene,
    hot_spot_stability,
    hot_spots,
    near_repeat_knox,
    project_equirectangular,
)
from metrics.compute.spatial import DEFAULT_CELL_M
from metrics.engine.build.rows import Row, month_date
from metrics.engine.loaders import SiteInfo

MIN_INCIDENTS = 20
SEED = 20240101
KNOX_PERMUTATIONS = 99
GI_Q = 0.05


def _common_grid(
    x: np.ndarray, y: np.ndarray, cell: float
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Cell indices of every point on one grid over the extent of all points."""
    ix = np.floor((x - x.min()) / cell).astype(np.int64)
    iy = np.floor((y - y.min()) / cell).astype(np.int64)
    return ix, iy, (int(iy.max()) + 1, int(ix.max()) + 1)


def _bin(ix: np.ndarray, iy: np.ndarray, shape: tuple[int, int], mask: np.ndarray) -> np.ndarray:
    grid = np.zeros(shape, dtype=np.int64)
    np.add.at(grid, (iy[mask], ix[mask]), 1)
    return grid


def spatial_mask(incidents: pd.DataFrame, site: SiteInfo) -> pd.Series:
    """Incidents fit for spatial metrics: geocoded, not stacked on one point, not far outside
    the site (DQ9; the intake stores the findings themselves as flags)."""
    if incidents.empty:
        return pd.Series(dtype=bool)
    centroid = None
    if site.latitude is not None and site.longitude is not None:
        centroid = (site.latitude, site.longitude)
    return dq9_incident_hygiene(incidents, id_col="external_id", centroid=centroid).spatial_ok


def spatial_rows(
    incidents: pd.DataFrame,
    spatial_ok: pd.Series,
    site: SiteInfo,
    period_end: dt.date,
    *,
    cell_m: float = DEFAULT_CELL_M,
) -> list[Row]:
    """S1, S2, S4 and S5 for the 12 months ending ``period_end`` (site-wide, all incidents)."""
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
    params = {"cell_m": cell_m}
    names = ("concentration", "gistar_hotspots", "hot_spot_stability", "near_repeat")
    if int(in_period.sum()) < MIN_INCIDENTS:
        return [
            Row(
                metric=name,
                offense="",
                params=params if name != "near_repeat" else {},
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
    ix, iy, shape = _common_grid(x, y, cell_m)
    grid = _bin(ix, iy, shape, in_period)
    rows: list[Row] = []
    conc = concentration(grid, seed=SEED)
    rows.append(
        Row(
            metric="concentration",
            offense="",
            params=params,
            status="ok",
            value={
                **base_value,
                "n_units": conc.n_cells,
                "n_incidents": conc.n_incidents,
                "share_top5": conc.top5_share,
                "pct_units_50": 100.0 * conc.cells_for_50pct,
                "pct_units_25": 100.0 * conc.cells_for_25pct,
                "gini": conc.gini,
                "gini_generalized": conc.generalized_gini,
                "share_top5_random": conc.random_top5_share,
                "excess_top5": conc.excess_top5_share,
                "seed": conc.seed,
                "draws": conc.draws,
            },
            method="square grid over the extent, zero cells included; random placement draws",
            data_through=through,
        )
    )
    hs = hot_spots(grid, q=GI_Q)
    hot = hs.significant & (hs.z > 0)
    n_in = int(grid.sum())
    rows.append(
        Row(
            metric="gistar_hotspots",
            offense="",
            params={**params, "q": GI_Q},
            status="ok",
            value={
                **base_value,
                "n_hot": int(hot.sum()),
                "n_cold": int((hs.significant & (hs.z < 0)).sum()),
                "pct_incidents_in_hot": 100.0 * float(grid[hot].sum()) / n_in if n_in else None,
                "threshold": hs.p_threshold,
                "n_units": int(grid.size),
            },
            method="Getis-Ord Gi*, queen weights incl. self; Benjamini–Hochberg FDR",
            data_through=through,
        )
    )
    years = occurred.astype("datetime64[Y]").astype(np.int64) + 1970
    full_years = sorted(set(years.tolist()))
    periods = [_bin(ix, iy, shape, years == yr) for yr in full_years]
    if len(periods) >= 2:
        stab = hot_spot_stability(periods)
        stab_value = {
            **base_value,
            "periods": [str(yr) for yr in full_years],
            "jaccard": stab.jaccard,
            "persistence": stab.persistence,
        }
        rows.append(
            Row(
                metric="hot_spot_stability",
                offense="",
                params=params,
                status="ok",
                value=stab_value,
                method="Jaccard and persistence of the top-5% cells, consecutive years",
                data_through=through,
            )
        )
    else:
        rows.append(
            Row(
                metric="hot_spot_stability",
                offense="",
                params=params,
                status="null",
                reason="fewer_than_two_periods",
                value=base_value,
                data_through=through,
            )
        )
    day = occurred.astype(np.int64)[in_period]
    knox = near_repeat_knox(
        x[in_period], y[in_period], day, permutations=KNOX_PERMUTATIONS, seed=SEED
    )
    rows.append(
        Row(
            metric="near_repeat",
            offense="",
            params={},
            status="ok",
            value={
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
            method="Knox test, permuted times",
            data_through=through,
        )
    )
    return rows
