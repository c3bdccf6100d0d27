"""Descriptive metrics D1–D7 (docs/metrics.md §2) and the shared change arithmetic.

Every window function takes a monthly count series indexed by ``pd.Period`` 'M' plus an
optional parallel status series (or a :class:`~metrics.compute.series.MonthlySeries`) and
returns a :class:`~metrics.compute.envelope.MetricResult`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.special._ufuncs as binom_kernels  # the kernels behind stats.binom
from scipy import optimize

from metrics.compute.envelope import MetricResult, null_result
from metrics.compute.formatting import format_count
from metrics.compute.quality import structural_break_flags
from metrics.compute.series import (
    USABLE,
    MonthLike,
    MonthlySeries,
    as_monthly,
    check_window,
    month_label,
    months_between,
    to_month,
)

POISSON_Z_FLAG = 3.0  # D7: flag when |z| >= 3
SMALL_NUMBERS_BASE = 20  # D5: "small numbers" when the base count < 20
PER = 100_000.0


# --- D7 and the arithmetic shared by every comparison -----------------------------------


def poisson_z(current: float, base: float) -> float:
    """D7 poisson_z: variance-stabilised change 2(√current − √base)."""
    if current < 0 or base < 0:
        raise ValueError("counts must not be negative")
    return 2.0 * (math.sqrt(current) - math.sqrt(base))


@dataclass(frozen=True)
class PercentChange:
    """Percent change with the zero-base rules of docs/metrics.md §1.

    ``value`` is None when the base is 0; ``reason`` is then ``zero_baseline_up`` or
    ``zero_both`` and ``text`` says "up from 0 to X" or "no change (0 → 0)".
    """

    value: float | None
    reason: Literal["zero_baseline_up", "zero_both"] | None
    text: str
    current: float
    base: float


def percent_change(current: float, base: float) -> PercentChange:
    """Percent change 100 × (current − base) / base with zero-base rules (docs/metrics.md §1)."""
    if current < 0 or base < 0:
        raise ValueError("counts must not be negative")
    if base == 0:
        if current > 0:
            text = f"up from 0 to {_num(current)}"
            return PercentChange(None, "zero_baseline_up", text, current, base)
        return PercentChange(None, "zero_both", "no change (0 → 0)", current, base)
    value = 100.0 * (current - base) / base
    return PercentChange(value, None, f"{_num(base)} → {_num(current)}", current, base)


def _num(x: float) -> str:
    return format_count(x)


@dataclass(frozen=True)
class RateRatio:
    """Exact conditional Poisson rate ratio, current vs base (docs/metrics.md §3.2, D2).

    ``rr`` = (current/E_current)/(base/E_base); ``lower``/``upper`` are the Clopper–Pearson
    limits mapped to the rate-ratio scale (``inf`` when unbounded); ``p`` is the two-sided
    "minlike" binomial p (R's ``poisson.test``).
    """

    rr: float
    lower: float
    upper: float
    p: float
    conf: float


def _binom_pmf(k: float, n: float, p: float) -> float:
    return 0.0 if k < 0 or k > n else min(max(binom_kernels._binom_pmf(k, n, p), 0.0), 1.0)


def _binom_cdf(k: float, n: float, p: float) -> float:
    if k < 0:
        return 0.0
    return 1.0 if k >= n else min(max(binom_kernels._binom_cdf(k, n, p), 0.0), 1.0)


def _binom_sf(k: float, n: float, p: float) -> float:
    if k < 0:
        return 1.0
    return 0.0 if k >= n else min(max(binom_kernels._binom_sf(k, n, p), 0.0), 1.0)


def binomial_test_p(k: int, n: int, p: float) -> float:
    """Two-sided "minlike" binomial p of k successes in n ≥ 1 trials under π = p.

    ``stats.binomtest(k, n, p).pvalue`` step for step — the same search for the other tail
    over the same clipped binomial kernels that ``stats.binom`` evaluates, so the same p to
    the last bit — without the distribution object's argument checking around each of the
    ~20 scalar evaluations.
    """
    kf, nf = float(k), float(n)
    d = _binom_pmf(kf, nf, p)
    rerr = 1 + 1e-7
    if k == p * n:
        return 1.0
    if k < p * n:
        lo, hi = float(np.ceil(p * n)), nf  # pmf falls from the mode to n: find ≤ d·rerr
        while lo < hi:
            mid = lo + (hi - lo) // 2
            value = -_binom_pmf(mid, nf, p)
            if value < -d * rerr:
                lo = mid + 1
            elif value > -d * rerr:
                hi = mid - 1
            else:
                lo = hi = mid
                break
        ix = lo if -_binom_pmf(lo, nf, p) <= -d * rerr else lo - 1
        y = n - ix + int(d * rerr == _binom_pmf(ix, nf, p))
        pval = _binom_cdf(kf, nf, p) + _binom_sf(nf - y, nf, p)
    else:
        lo, hi = 0.0, float(np.floor(p * n))  # pmf rises from 0 to the mode
        while lo < hi:
            mid = lo + (hi - lo) // 2
            value = _binom_pmf(mid, nf, p)
            if value < d * rerr:
                lo = mid + 1
            elif value > d * rerr:
                hi = mid - 1
            else:
                lo = hi = mid
                break
        ix = lo if _binom_pmf(lo, nf, p) <= d * rerr else lo - 1
        pval = _binom_cdf(ix, nf, p) + _binom_sf(kf - 1, nf, p)
    return float(min(1.0, pval))


def clopper_pearson(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper–Pearson) interval for k successes in n trials (0 ≤ k ≤ n, n ≥ 1).

    The same root finding as ``stats.binomtest(k, n).proportion_ci(method="exact")`` — brentq on
    [0, 1] with its default tolerances over the same binomial tail values, clipped to [0, 1] as
    ``stats.binom`` does — so the same limits to the last bit, without the distribution
    object's argument checking around each of the ~20 scalar evaluations of every root.
    """
    alpha = (1 - conf) / 2
    kf, nf = float(k), float(n)
    low = 0.0
    if k > 0:
        low = optimize.brentq(
            lambda p: min(max(binom_kernels._binom_sf(kf - 1.0, nf, p), 0.0), 1.0) - alpha, 0, 1
        )
    high = 1.0
    if k < n:
        high = optimize.brentq(
            lambda p: min(max(binom_kernels._binom_cdf(kf, nf, p), 0.0), 1.0) - alpha, 0, 1
        )
    return float(low), float(high)


def rate_ratio_exact(
    base_count: int,
    current_count: int,
    base_exposure: float = 1.0,
    current_exposure: float = 1.0,
    *,
    conf: float = 0.95,
) -> RateRatio:
    """Exact Poisson rate ratio with Clopper–Pearson CI and binomial p (docs/metrics.md §3.2, D2).

    Given n = base + current, current ~ Binomial(n, π0) with π0 = E_cur/(E_base + E_cur).
    Matches R ``poisson.test(c(current, base), c(E_current, E_base))``.
    """
    b, c = int(base_count), int(current_count)
    if b < 0 or c < 0 or b != base_count or c != current_count:
        raise ValueError("counts must be non-negative integers")
    if base_exposure <= 0 or current_exposure <= 0:
        raise ValueError("exposures must be positive")
    n = b + c
    scale = base_exposure / current_exposure
    if n == 0:
        return RateRatio(float("nan"), 0.0, math.inf, 1.0, conf)
    pi0 = current_exposure / (base_exposure + current_exposure)
    p_value = binomial_test_p(c, n, pi0)
    ci_low, ci_high = clopper_pearson(c, n, conf)

    def to_rr(p: float) -> float:
        return math.inf if p >= 1.0 else p / (1.0 - p) * scale

    rr = math.inf if b == 0 else (c / current_exposure) / (b / base_exposure)
    return RateRatio(rr, to_rr(ci_low), to_rr(ci_high), p_value, conf)


def compare_counts(
    current: int,
    base: int,
    current_exposure: float = 1.0,
    base_exposure: float = 1.0,
) -> tuple[dict[str, Any], list[str]]:
    """Values and flags for current vs base: abs/pct change, z, exact RR (D2, D5, D7)."""
    pc = percent_change(current, base)
    z = poisson_z(current, base)
    rr = rate_ratio_exact(base, current, base_exposure, current_exposure)
    values: dict[str, Any] = {
        "current": current,
        "base": base,
        "abs_change": current - base,
        "pct_change": pc.value,
        "pct_change_reason": pc.reason,
        "pct_change_text": pc.text,
        "poisson_z": z,
        "rate_ratio": rr.rr,
        "rr_ci_lower": rr.lower,
        "rr_ci_upper": rr.upper,
        "p_value": rr.p,
    }
    flags: list[str] = []
    if abs(z) >= POISSON_Z_FLAG:
        flags.append("poisson_z_ge_3")
    if base < SMALL_NUMBERS_BASE:
        flags.append("small_numbers")
    return values, flags


# --- D1 monthly_count -------------------------------------------------------------------


def monthly_count(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    month: MonthLike,
    site: str | None = None,
    offense: str | None = None,
) -> MetricResult:
    """D1 monthly_count: the count for one month with its status; a missing month is null."""
    ms = as_monthly(counts, status)
    m = to_month(month)
    window = {"start": month_label(m), "end": month_label(m)}
    st = ms.status.get(m, "missing")
    common: dict[str, Any] = {"site": site, "offense": offense, "window": window}
    if st == "missing":
        return null_result(
            "monthly_count",
            "missing_months",
            missing=[month_label(m)],
            values={"month_status": "missing", "count": None},
            method="calendar-complete monthly reindex",
            **common,
        )
    flags = [] if st == "reported" else [str(st)]
    return MetricResult(
        metric="monthly_count",
        status="ok",
        values={"count": int(ms.counts[m]), "month_status": str(st)},
        flags=flags,
        method="calendar-complete monthly reindex",
        **common,
    )


# --- window comparisons: D2, D3, D5 -----------------------------------------------------


def _window_compare(
    metric: str,
    ms: MonthlySeries,
    cur: tuple[pd.Period, pd.Period],
    base: tuple[pd.Period, pd.Period],
    *,
    site: str | None,
    offense: str | None,
    breaks: Sequence[MonthLike],
    extra: Mapping[str, Any] | None = None,
) -> MetricResult:
    window = {
        "start": month_label(cur[0]),
        "end": month_label(cur[1]),
        "base_start": month_label(base[0]),
        "base_end": month_label(base[1]),
    }
    method = "exact conditional Poisson (Clopper–Pearson), equal exposure; Poisson z"
    flags = structural_break_flags(base[0], cur[1], breaks)
    chk_cur, chk_base = check_window(ms, *cur), check_window(ms, *base)
    for chk in (chk_base, chk_cur):
        if not chk.ok:
            missing = sorted(set(chk_cur.missing) | set(chk_base.missing))
            return null_result(
                metric,
                str(chk.reason),
                site=site,
                offense=offense,
                window=window,
                missing=missing,
                flags=flags,
                values=dict(extra or {}),
                method=method,
            )
    cur_n = int(ms.counts.reindex(months_between(*cur)).sum())
    base_n = int(ms.counts.reindex(months_between(*base)).sum())
    values, more = compare_counts(cur_n, base_n)
    values.update(extra or {})
    return MetricResult(
        metric=metric,
        status="ok",
        values=values,
        site=site,
        offense=offense,
        window=window,
        flags=flags + more,
        method=method,
    )


def ytd_change(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    as_of: MonthLike | None = None,
    site: str | None = None,
    offense: str | None = None,
    breaks: Sequence[MonthLike] = (),
) -> MetricResult:
    """D2 ytd_change: Σ months 1..M of year Y vs the same months of Y−1.

    M is the latest reported month (or ``as_of``). Valid only if all 2M months are reported.
    Values: ``ytd``, ``prev_ytd``, abs/pct change, Poisson z, exact rate ratio CI and p.
    """
    ms = as_monthly(counts, status)
    m = to_month(as_of) if as_of is not None else ms.latest_reported()
    if m is None:
        return null_result("ytd_change", "no_reported_months", site=site, offense=offense)
    jan = pd.Period(year=m.year, month=1, freq="M")
    res = _window_compare(
        "ytd_change", ms, (jan, m), (jan - 12, m - 12), site=site, offense=offense, breaks=breaks
    )
    res.as_of = month_label(m)
    if res.ok:
        res.values["ytd"] = res.values["current"]
        res.values["prev_ytd"] = res.values["base"]
    return res


def yoy_change(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    start: MonthLike,
    end: MonthLike | None = None,
    site: str | None = None,
    offense: str | None = None,
    breaks: Sequence[MonthLike] = (),
) -> MetricResult:
    """D5 yoy_change: a month or window vs the same window a year earlier (D2's arithmetic).

    Flags ``small_numbers`` when the base is below 20 and ``poisson_z_ge_3`` when |z| ≥ 3.
    """
    ms = as_monthly(counts, status)
    s = to_month(start)
    e = to_month(end) if end is not None else s
    return _window_compare(
        "yoy_change", ms, (s, e), (s - 12, e - 12), site=site, offense=offense, breaks=breaks
    )


def rolling_12m(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    month: MonthLike,
    site: str | None = None,
    offense: str | None = None,
    breaks: Sequence[MonthLike] = (),
) -> MetricResult:
    """D3 rolling_12m: sum of the 12 calendar months ending at ``month``.

    Null (``missing_months``) if any of the 12 is not reported — a calendar window, never a
    row-count window. Also reports the change vs the R12 ending 12 months earlier when that
    window is complete (``change_*`` keys; None otherwise).
    """
    ms = as_monthly(counts, status)
    m = to_month(month)
    chk = check_window(ms, m - 11, m)
    window = {"start": month_label(m - 11), "end": month_label(m)}
    method = "sum of 12 calendar months"
    flags = structural_break_flags(m - 23, m, breaks)
    if not chk.ok:
        return null_result(
            "rolling_12m",
            str(chk.reason),
            missing=chk.missing,
            site=site,
            offense=offense,
            window=window,
            flags=flags,
            method=method,
        )
    r12 = int(ms.counts.reindex(months_between(m - 11, m)).sum())
    values: dict[str, Any] = {"r12": r12}
    prev = _window_compare(
        "rolling_12m", ms, (m - 11, m), (m - 23, m - 12), site=site, offense=offense, breaks=()
    )
    if prev.ok:
        values["prev_r12"] = prev.values["base"]
        skip = ("current", "base")
        values.update({f"change_{k}": v for k, v in prev.values.items() if k not in skip})
        flags = flags + prev.flags
    else:
        values["prev_r12"] = None
        values["change_reason"] = prev.reason
    return MetricResult(
        metric="rolling_12m",
        status="ok",
        values=values,
        site=site,
        offense=offense,
        window=window,
        flags=flags,
        method=method,
    )


def rolling_12m_series(
    counts: pd.Series | MonthlySeries, status: pd.Series | None = None
) -> pd.Series:
    """D3 rolling_12m for every month, as a float series (NaN where not computable) for charts."""
    ms = as_monthly(counts, status)
    values = ms.counts.to_numpy(dtype="float64")
    in_use = ms.status.isin(USABLE)
    usable = in_use.to_numpy() & ~np.isnan(values)
    if not np.array_equal(values[usable], np.floor(values[usable])):
        ok = in_use.astype("float64")
        vals = ms.counts.where(in_use, 0.0)
        full = ok.rolling(12, min_periods=12).sum() == 12
        return vals.rolling(12, min_periods=12).sum().where(full).rename("r12")
    # Whole counts (always, for stored data): window sums as differences of one cumulative sum,
    # every partial sum exact, so the same floats as the rolling sum above at a fraction of its
    # cost (the engine draws 12 of these a site).
    totals = np.cumsum(np.where(usable, values, 0.0))
    runs = np.cumsum(usable)
    out = np.full(len(values), np.nan)
    if len(values) >= 12:
        window = totals[11:] - np.concatenate([[0.0], totals[:-12]])
        whole = runs[11:] - np.concatenate([[0], runs[:-12]]) == 12
        out[11:] = np.where(whole, window, np.nan)
    return pd.Series(out, index=ms.counts.index, name="r12")


# --- D4 rate_per_100k -------------------------------------------------------------------

PopulationLike = float | int | Mapping[int, float]
ExposureMethod = Literal["twelfths", "days"]


def person_years(
    start: MonthLike,
    end: MonthLike,
    population: PopulationLike,
    *,
    method: ExposureMethod = "twelfths",
) -> float:
    """Exposure in person-years over ``start..end`` (docs/metrics.md §1 "Exposure", D4).

    ``twelfths``: Σ population/12 per month (the §2 fixture's convention); ``days``:
    Σ population × days/365.25. ``population`` is one figure or a mapping year → population;
    a year absent from the mapping raises ``KeyError`` (DQ8).
    """
    total = 0.0
    for m in months_between(to_month(start), to_month(end)):
        pop = float(population[m.year]) if isinstance(population, Mapping) else float(population)
        frac = 1.0 / 12.0 if method == "twelfths" else m.days_in_month / 365.25
        total += pop * frac
    return total


def rate_per_100k(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    start: MonthLike,
    end: MonthLike,
    population: PopulationLike,
    population_year: int | None = None,
    population_source: str | None = None,
    exposure_method: ExposureMethod = "twelfths",
    site: str | None = None,
    offense: str | None = None,
) -> MetricResult:
    """D4 rate_per_100k: 1e5 × count / population; ``annualised`` = 1e5 × count / person-years.

    For a calendar year the two agree. The population's year and source travel with the rate.
    """
    ms = as_monthly(counts, status)
    s, e = to_month(start), to_month(end)
    window = {"start": month_label(s), "end": month_label(e)}
    chk = check_window(ms, s, e)
    common: dict[str, Any] = {"site": site, "offense": offense, "window": window}
    method = f"count / population; annualised by person-years ({exposure_method})"
    if not chk.ok:
        return null_result(
            "rate_per_100k", str(chk.reason), missing=chk.missing, method=method, **common
        )
    months = months_between(s, e)
    if isinstance(population, Mapping):
        absent = sorted({m.year for m in months} - set(population))
        if absent:
            return null_result(
                "rate_per_100k",
                "population_missing",
                flags=["population_missing"],
                values={"population_missing_years": absent},
                method=method,
                **common,
            )
        mean_pop = float(np.mean([float(population[m.year]) for m in months]))
    else:
        mean_pop = float(population)
    count = int(ms.counts.reindex(months).sum())
    py = person_years(s, e, population, method=exposure_method)
    values = {
        "count": count,
        "rate_per_100k": PER * count / mean_pop,
        "rate_per_100k_annualised": PER * count / py,
        "person_years": py,
        "population": mean_pop,
        "population_year": population_year,
        "population_source": population_source,
        "months": len(months),
    }
    return MetricResult(metric="rate_per_100k", status="ok", values=values, method=method, **common)


# --- D6 compstat_windows ----------------------------------------------------------------


@dataclass(frozen=True)
class DateWindow:
    """An inclusive date range (docs/metrics.md D6)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Number of days, inclusive."""
        return (self.end - self.start).days + 1


def _same_date_last_year(d: dt.date) -> dt.date:
    if d.month == 2 and d.day == 29:
        return dt.date(d.year - 1, 2, 28)
    return d.replace(year=d.year - 1)


def compstat_date_windows(as_of: dt.date) -> dict[str, tuple[DateWindow, DateWindow]]:
    """D6 windows as of date D: (current, comparison) for ``wtd``, ``d28`` and ``ytd``.

    WTD is Monday..D and 28-day is D−27..D, both compared with the same window 364 days back
    (weekdays aligned); YTD is Jan 1..D vs the same calendar dates a year earlier (Feb 29 →
    Feb 28).
    """
    d = as_of
    shift = dt.timedelta(days=364)
    wtd = DateWindow(d - dt.timedelta(days=d.weekday()), d)
    d28 = DateWindow(d - dt.timedelta(days=27), d)
    ytd = DateWindow(dt.date(d.year, 1, 1), d)
    return {
        "wtd": (wtd, DateWindow(wtd.start - shift, wtd.end - shift)),
        "d28": (d28, DateWindow(d28.start - shift, d28.end - shift)),
        "ytd": (ytd, DateWindow(dt.date(d.year - 1, 1, 1), _same_date_last_year(d))),
    }


def compstat_windows(
    occurred: Iterable[dt.date | pd.Timestamp | str] | pd.Series,
    *,
    as_of: dt.date,
    coverage_start: dt.date | None = None,
    coverage_end: dt.date | None = None,
    site: str | None = None,
    offense: str | None = None,
) -> dict[str, MetricResult]:
    """D6 compstat_windows on incident data: WTD, 28-day and YTD counts with their comparisons.

    A window not fully inside the declared coverage (dates) is null with ``outside_coverage``.
    """
    if isinstance(occurred, pd.Series) and pd.api.types.is_datetime64_dtype(occurred.dtype):
        # Incident frames hold naive datetime64: whole days as datetime64[D], compared at once
        # (no Python date per incident).
        days = occurred.to_numpy(dtype="datetime64[D]")

        def count(start: dt.date, end: dt.date) -> int:
            return int(
                ((days >= np.datetime64(start, "D")) & (days <= np.datetime64(end, "D"))).sum()
            )
    else:
        dates = pd.to_datetime(pd.Series(list(occurred), dtype=object)).dt.date

        def count(start: dt.date, end: dt.date) -> int:
            return int(((dates >= start) & (dates <= end)).sum())

    out: dict[str, MetricResult] = {}
    for name, (cur, base) in compstat_date_windows(as_of).items():
        window = {
            "start": cur.start.isoformat(),
            "end": cur.end.isoformat(),
            "base_start": base.start.isoformat(),
            "base_end": base.end.isoformat(),
        }
        common: dict[str, Any] = {"site": site, "offense": offense, "window": window}
        common["as_of"] = as_of.isoformat()
        outside = (coverage_start is not None and base.start < coverage_start) or (
            coverage_end is not None and cur.end > coverage_end
        )
        if outside:
            out[name] = null_result(f"compstat_{name}", "outside_coverage", **common)
            continue
        n_cur, n_base = count(cur.start, cur.end), count(base.start, base.end)
        # Rates per day, so a 77-day YTD is fairly compared with a 76-day one.
        values, flags = compare_counts(n_cur, n_base, cur.days, base.days)
        values.update({"days": cur.days, "base_days": base.days})
        out[name] = MetricResult(
            metric=f"compstat_{name}",
            status="ok",
            values=values,
            flags=flags,
            method="incident counts by occurrence date; exact Poisson rate ratio",
            **common,
        )
    return out
