"""Stored results for dashboard tests, written directly as the metrics engine would leave them
(dashboards only read results, so the engine need not run for most tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.utils import timezone

from metrics.engine.build.rows import params_key
from metrics.models import MetricResult
from sites.models import Site


def months(start: str, n: int) -> list[str]:
    return [str(p) for p in pd.period_range(pd.Period(start, freq="M"), periods=n, freq="M")]


def store(
    site: Site,
    metric: str,
    offense: str = "violent_crime",
    *,
    value: dict[str, Any] | None = None,
    status: str = "ok",
    reason: str = "",
    params: dict[str, Any] | None = None,
    flags: list[str] | None = None,
    evidence_tier: int | None = None,
    data_through: dt.date | None = None,
    computed_at: dt.datetime | None = None,
    fingerprint: str = "f" * 64,
) -> MetricResult:
    params = params or ({"source": "derived"} if offense else {})
    return MetricResult.objects.create(
        site=site,
        metric=metric,
        offense=offense,
        params=params,
        params_key=params_key(params),
        status=status,
        reason=reason,
        value=value or {},
        flags=flags or [],
        evidence_tier=evidence_tier,
        data_through=data_through,
        inputs_fingerprint=fingerprint,
        computed_at=computed_at or timezone.now(),
    )


def store_violent(
    site: Site,
    *,
    current: int | None = 1100,
    base: int | None = 1234,
    z: float | None = -3.6,
    counts: list[int | None] | None = None,
    statuses: list[str] | None = None,
    start: str = "2024-01",
    computed_at: dt.datetime | None = None,
) -> None:
    """A violent-crime monthly series and its rolling 12-month change, as the engine stores them."""
    counts = counts if counts is not None else [100] * 24
    statuses = statuses or ["missing" if c is None else "reported" for c in counts]
    ms = months(start, len(counts))
    rows = zip(ms, counts, statuses, strict=True)
    series = [{"month": m, "count": c, "status": s} for m, c, s in rows]
    through = dt.date.fromisoformat(ms[-1] + "-01")
    store(
        site,
        "monthly_count",
        value={"series": series, "first": ms[0], "last": ms[-1]},
        data_through=through,
        computed_at=computed_at,
    )
    pct = None if not base or current is None else 100.0 * (current - base) / base
    store(
        site,
        "rolling_12m",
        value={
            "series": [{"month": m, "r12": None, "rate_per_100k": None} for m in ms],
            "as_of": ms[-1],
            "r12": current,
            "prev_r12": base,
            "pct_change": pct,
            "poisson_z": z,
        },
        flags=["small_numbers"] if base is not None and base < 20 else [],
        data_through=through,
        computed_at=computed_at,
    )
