"""Frames in, result rows out: every metric of one site, with no ORM (pure but for speed of
reading, kept apart from :mod:`metrics.compute`, which holds the statistics themselves)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from metrics.engine.build import comparative, descriptive, evaluation, spatial
from metrics.engine.build.rows import Row, month_date
from metrics.engine.build.series import build_series
from metrics.engine.loaders import SiteInputs

__all__ = ["Row", "compute_site_rows"]

logger = logging.getLogger(__name__)


def _guarded(
    build: Callable[..., Row],
    metric: str,
    offense: str,
    params: dict[str, Any],
    *args: object,
    **kw: object,
) -> Row:
    """One metric that cannot be computed (a model that does not fit degenerate data) becomes
    a null result with its reason, not a failed run for the whole site."""
    try:
        return build(*args, **kw)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        logger.warning("%s/%s could not be computed: %s", metric, offense, exc)
        return Row(
            metric=metric,
            offense=offense,
            params=params,
            status="null",
            reason="model_did_not_fit",
            value={"error": f"{type(exc).__name__}: {exc}"},
        )


def compute_site_rows(inputs: SiteInputs, *, as_of: dt.date) -> list[Row]:
    """Every result row for the site as of ``as_of`` (which decides provisional months)."""
    site = inputs.site
    series = build_series(inputs, as_of=as_of)
    breaks = list(inputs.breaks)
    rows: list[Row] = []
    prepost: dict[str, Row] = {}
    its: dict[str, Row] = {}
    inc = inputs.incidents
    # Coverage is declared in months: it runs to the last day of its last month.
    coverage_end = max(
        (pd.Period(c[1], freq="M").end_time.date() for c in inputs.coverage), default=None
    )
    coverage_start = min((c[0] for c in inputs.coverage), default=None)
    if coverage_end is None and len(inc):
        coverage_start = inc["occurred_on"].min().date()
        coverage_end = inc["occurred_on"].max().date()
    for s in series:
        rows += [
            descriptive.monthly_count_row(s, site),
            descriptive.ytd_row(s, breaks),
            descriptive.rolling_row(s, site, breaks),
            descriptive.rate_row(s, site),
            descriptive.yoy_row(s, breaks),
        ]
        if s.source == "incidents" and coverage_end is not None and coverage_start is not None:
            occurred = inc.loc[inc["offense"] == s.offense, "occurred_on"]
            rows.append(descriptive.compstat_row(s, occurred, coverage_start, coverage_end))
        # A source ramp (§7.3) is a break for the incident series, as a records change is.
        s_breaks = sorted(set(breaks) | set(s.ramp_breaks))
        for n in evaluation.WINDOWS:
            params = {"source": s.source, "window_months": n, "gap_months": 0}
            row = _guarded(
                evaluation.prepost_row,
                "prepost_rate_ratio",
                s.offense,
                params,
                s,
                site,
                n,
                breaks=s_breaks,
            )
            rows.append(row)
            if n == evaluation.HEADLINE_WINDOW:
                prepost[s.offense] = row
        its[s.offense] = _guarded(
            evaluation.its_row, "its_segmented", s.offense, {"source": s.source}, s, site, s_breaks
        )
        rows.append(its[s.offense])
    rows += evaluation.headline_rows(prepost, its)
    rows += comparative.comparative_rows(inputs, {s.offense: s for s in series})
    if len(inc) and coverage_end is not None:
        spatial_ok = spatial.spatial_mask(inc, site)
        rows += spatial.spatial_rows(
            inc, spatial_ok, site, coverage_end, coverage_start=coverage_start
        )
    through = max((s.data_through for s in series if s.data_through is not None), default=None)
    rows.append(
        Row(
            metric="data_quality",
            offense="",
            params={},
            status="ok",
            value={
                "flags": inputs.flags,
                "as_of": as_of.isoformat(),
                "breaks": [f"{b:%Y-%m}" for b in breaks],
            },
            method="findings of the rules DQ1–DQ9 (docs/metrics.md §5) not yet resolved",
            data_through=month_date(through),
        )
    )
    return rows


def warm_up() -> None:
    """Run every code path once on a tiny synthetic site so lazily imported submodules of
    scipy/statsmodels load now (at worker start, before the pool forks), not in a task."""
    import numpy as np
    import pandas as pd

    from metrics.engine.loaders import SiteInfo

    months = pd.period_range("2018-01", periods=60, freq="M")
    rng = np.random.default_rng(0)
    monthly = pd.DataFrame(
        {
            "month": months,
            "offense": "homicide",
            "count": rng.poisson(5, len(months)),
            "first_count": 0,
            "status": "reported",
        }
    )
    monthly["first_count"] = monthly["count"]
    n = 60
    incidents = pd.DataFrame(
        {
            "occurred_on": pd.to_datetime("2018-01-01")
            + pd.to_timedelta(rng.integers(0, 1800, n), unit="D"),
            "offense": "shots_fired",
            "latitude": 40 + rng.normal(0, 0.01, n),
            "longitude": -90 + rng.normal(0, 0.01, n),
            "external_id": [str(i) for i in range(n)],
            "killed": 0,
            "injured": 0,
        }
    )
    from metrics.compute.power import CRITICAL_PREBUILT, _critical_counts, _log_factorial

    # The MDE's critical-count and log-factorial tables (n up to about twice the largest
    # pre-window count of the portfolio), built once here so the forked pool processes share them.
    _critical_counts(0, CRITICAL_PREBUILT, 0.05)
    _log_factorial(np.array([CRITICAL_PREBUILT]))
    site = SiteInfo(0, "warm-up", "Warm-up", 50_000, 2020, "", 40.0, -90.0, dt.date(2020, 1, 1))
    coverage = [(dt.date(2018, 1, 1), dt.date(2022, 12, 31), True)]
    compute_site_rows(SiteInputs(site, monthly, incidents, coverage), as_of=dt.date(2023, 6, 1))
