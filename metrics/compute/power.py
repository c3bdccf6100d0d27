"""P5 minimum detectable effect (METRICS.md §3.5), and constants shared by the evaluation
modules."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from metrics.compute.series import to_month

Z95 = float(stats.norm.ppf(0.975))
DISPERSION_NOTE_PHI = 1.5
MDE_HEADLINE_MAX = 0.50
RTM_CAUTION = (
    "Caution: sites join PSP after unusually violent periods, so part of any decline is "
    "expected without intervention, and crime also fell nationally. This comparison does not "
    "by itself show that PSP caused the change."
)
TOO_FEW = "too few events to assess change reliably"


# --- P5 minimum detectable effect -------------------------------------------------------


@dataclass(frozen=True)
class MinimumDetectableEffect:
    """P5: smallest true reduction (1 − r) detected with the given power (METRICS.md §3.5).

    ``mde`` is None when no reduction is detectable; ``display_pct`` rounds up to a whole
    percent (conservative), the convention of the §3.5 table.
    """

    mde: float | None
    display_pct: int | None
    method: Literal["exact", "approximation"]
    expected_pre_count: float
    phi: float
    too_few_events: bool


_CRITICAL: dict[float, np.ndarray] = {}


def _critical_counts(lo: int, hi: int, alpha: float) -> np.ndarray:
    """Under π0 = ½ the minlike p is 2·F(k) for the lower tail; reject k ≤ c_n or k ≥ n − c_n.

    c_n depends on n (and α) only, so one table per α, from n = 0 up, serves every expected
    count: it is extended (doubling) when a larger n is asked for, and sliced otherwise. The
    binomial quantile is the slow part of a power evaluation; computing it per (lo, hi) range
    made every new site pay it again (bench: 3 s of a 4 s site recompute).
    """
    table = _CRITICAL.get(alpha)
    if table is None or len(table) <= hi:
        size = max(hi + 1, 2 * (len(table) if table is not None else 0), 1024)
        table = stats.binom.ppf(alpha / 2.0, np.arange(size), 0.5).astype(int) - 1
        table.flags.writeable = False
        _CRITICAL[alpha] = table
    return table[lo : hi + 1]


def _exact_power(lam: float, rs: np.ndarray, alpha: float) -> np.ndarray:
    """Power of the two-sided exact conditional test (equal windows) for each true ratio r."""
    mu = lam * (1.0 + rs)
    hi = int(mu.max() + 12.0 * math.sqrt(mu.max()) + 12)
    lo = max(0, int(mu.min() - 12.0 * math.sqrt(mu.max()) - 12))
    n = np.arange(lo, hi + 1)
    c = _critical_counts(lo, hi, alpha)
    pi = (rs / (1.0 + rs))[:, None]
    nn, cc = n[None, :], c[None, :]
    tails = np.where(
        cc >= 0, stats.binom.cdf(cc, nn, pi) + stats.binom.sf(nn - cc - 1, nn, pi), 0.0
    )
    weights = stats.poisson.pmf(nn, mu[:, None])
    return np.asarray((weights * tails).sum(axis=1))


@functools.lru_cache(maxsize=1024)
def _exact_mde(lam: float, alpha: float, power: float) -> float | None:
    """First r on the 0.001 grid (from 0.999 down) whose exact power reaches ``power``.

    Power rises as the true ratio falls, so the grid is bisected (about ten single-r power
    evaluations instead of a thousand), then the first hit is confirmed by a linear scan of
    the neighbouring grid points, which guards against the small wiggles of a discrete test.
    """
    rs = np.round(np.arange(0.999, 0.0, -0.001), 6)

    def hits(idx: np.ndarray) -> np.ndarray:
        return np.asarray(_exact_power(lam, rs[idx], alpha) >= power)

    last = len(rs) - 1
    if not hits(np.array([last]))[0]:
        return None
    lo, hi = 0, last  # invariant: rs[hi] hits
    if hits(np.array([0]))[0]:
        hi = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if hits(np.array([mid]))[0]:
            hi = mid
        else:
            lo = mid
    # The wiggles of a discrete test shrink as counts grow: a narrower guard suffices there.
    guard = 25 if lam <= 500 else 5
    window = np.arange(max(0, hi - guard), min(last, hi + guard) + 1)
    found = np.nonzero(hits(window))[0]
    i = int(window[found[0]]) if found.size else hi
    return round(1.0 - float(rs[i]), 6)


def _approx_mde(lam: float, phi: float, alpha: float, power: float) -> float | None:
    k = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))

    def g(r: float) -> float:
        return abs(math.log(r)) - k * math.sqrt(phi * (1.0 / lam + 1.0 / (r * lam)))

    grid = np.exp(np.linspace(-1e-9, math.log(1e-4), 4000))  # r from ~1 down to 1e-4
    vals = np.array([g(float(r)) for r in grid])
    idx = np.nonzero(vals >= 0)[0]
    if idx.size == 0:
        return None
    i = int(idx[0])
    if i == 0:
        return 1.0 - float(grid[0])
    root = optimize.brentq(g, float(grid[i]), float(grid[i - 1]))
    return 1.0 - float(root)


def minimum_detectable_effect(
    expected_pre_count: float,
    *,
    phi: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.80,
    method: Literal["auto", "exact", "approximation"] = "auto",
) -> MinimumDetectableEffect:
    """P5 minimum detectable effect for equal pre and post windows (METRICS.md §3.5).

    ``exact``: power of the exact conditional (binomial) test, searched on a 0.001 grid of
    r — this reproduces the §3.5 table. ``approximation``: solve
    |ln r| = (z₁₋α/₂ + z_power)·√(φ(1/λ + 1/(rλ))), valid for λ ≥ 20. ``auto`` uses exact when
    φ ≤ 1 and the approximation (which carries φ) when φ > 1.
    """
    lam = float(expected_pre_count)
    if lam < 0:
        raise ValueError("expected count must not be negative")
    use = method if method != "auto" else ("exact" if phi <= 1.0 else "approximation")
    if lam == 0:
        mde = None
    elif use == "exact":
        mde = _exact_mde(round(lam, 6), alpha, power)
    else:
        mde = _approx_mde(lam, max(phi, 1e-9), alpha, power)
    display = None if mde is None else int(math.ceil(round(100.0 * mde, 6)))
    too_few = mde is None or mde > MDE_HEADLINE_MAX
    return MinimumDetectableEffect(mde, display, use, lam, phi, too_few)


def mde_for_rate(events_per_year: float, n_months: int, **kwargs: Any) -> MinimumDetectableEffect:
    """P5 by events per year and window length N (the §3.5 table's axes): λ = rate × N/12."""
    return minimum_detectable_effect(events_per_year * n_months / 12.0, **kwargs)


# --- helpers shared by P1 and P2 ---------------------------------------------------------


def _exposure_for(exposure: pd.Series | None, months: pd.PeriodIndex) -> np.ndarray | None:
    if exposure is None:
        return np.ones(len(months))
    ex = exposure.copy()
    if not isinstance(ex.index, pd.PeriodIndex):
        ex.index = pd.PeriodIndex([to_month(v) for v in ex.index], freq="M")
    vals: np.ndarray = ex.reindex(months).to_numpy(dtype="float64")
    if np.isnan(vals).any() or (vals <= 0).any():
        return None
    return vals


def _significant(lower: float, upper: float) -> bool:
    return upper < 1.0 or lower > 1.0
