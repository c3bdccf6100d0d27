"""P5 minimum detectable effect (docs/metrics.md §3.5), and constants shared by the evaluation
modules."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

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
    """P5: smallest true reduction (1 − r) detected with the given power (docs/metrics.md §3.5).

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
CRITICAL_PREBUILT = 1 << 18


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


_LOG_FACTORIAL: list[np.ndarray] = []


def _log_factorial(n: np.ndarray) -> np.ndarray:
    """``special.gammaln(n + 1.0)`` for non-negative integers ``n``, read from one table (the same
    floats: the table holds gammaln at the same arguments). Extended (doubling) on demand; the
    MDE search of every site evaluated it again over the same few thousand n."""
    top = int(n.max()) if n.size else 0
    table = _LOG_FACTORIAL[0] if _LOG_FACTORIAL else None
    if table is None or len(table) <= top:
        size = max(top + 1, 2 * (len(table) if table is not None else 0), 1024)
        table = special.gammaln(np.arange(size, dtype=np.float64) + 1.0)
        table.flags.writeable = False
        _LOG_FACTORIAL[:] = [table]
    return np.asarray(table[n])


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


# The fast power below differs from ``_exact_power`` by rounding only (≤ 1e-9 in tests); any
# decision closer than this to the target power is re-made with ``_exact_power``.
FAST_POWER_MARGIN = 1e-6


def _lower_tails(lo: int, c: np.ndarray, pis: np.ndarray) -> np.ndarray:
    """P(K_n ≤ c_n) for K_n ~ Binomial(n, π), every n = lo, lo+1, … (columns) and every π (rows).

    One exact binomial cdf at the first n with c_n ≥ 0, then the recurrences
    P(K_{n+1} ≤ c) = P(K_n ≤ c) − π·P(K_n = c) and P(K_{n+1} ≤ c+1) = P(K_{n+1} ≤ c) +
    P(K_{n+1} = c+1) (c_n rises by 0 or 1 per n) as one cumulative sum, with the binomial
    probabilities from log-gamma: the same tail probabilities as ``stats.binom.cdf`` up to
    rounding, at a fraction of the cost of one incomplete-beta evaluation per (n, π).
    """
    out = np.zeros((len(pis), len(c)))
    valid = np.nonzero(c >= 0)[0]
    if valid.size == 0:
        return out
    j0 = int(valid[0])
    cv = c[j0:].astype(np.float64)
    nv = np.arange(lo + j0, lo + len(c), dtype=np.float64)
    p = pis[:, None]
    first = np.clip(special.bdtr(int(cv[0]), int(nv[0]), pis), 0.0, 1.0)
    if cv.size > 1:
        k, n = cv[:-1], nv[:-1]
        k1, n1 = cv[1:], nv[1:]
        ci = c[j0:].astype(np.int64)
        ni = np.arange(lo + j0, lo + len(c), dtype=np.int64)
        # log C(n, c_n) at every n once; the step from n to n + 1 uses it at both ends.
        log_binom = _log_factorial(ni) - _log_factorial(ci) - _log_factorial(ni - ci)
        log_choose, log_choose1 = log_binom[:-1], log_binom[1:]
        lp, lq = np.log(p), np.log1p(-p)
        leave = p * np.exp(log_choose + k * lp + (n - k) * lq)
        enter = (k1 > k) * np.exp(log_choose1 + k1 * lp + (n1 - k1) * lq)
        steps = np.cumsum(enter - leave, axis=1)
        out[:, j0 + 1 :] = first[:, None] + steps
    out[:, j0] = first
    return out


def _fast_power(lam: float, rs: np.ndarray, alpha: float) -> np.ndarray:
    """``_exact_power`` computed with :func:`_lower_tails` (same n range, same weights); the
    upper tail P(K ≥ n − c_n) is the lower tail of n − K ~ Binomial(n, 1 − π)."""
    mu = lam * (1.0 + rs)
    hi = int(mu.max() + 12.0 * math.sqrt(mu.max()) + 12)
    lo = max(0, int(mu.min() - 12.0 * math.sqrt(mu.max()) - 12))
    nn = np.arange(lo, hi + 1)[None, :]
    c = _critical_counts(lo, hi, alpha)
    pi = rs / (1.0 + rs)
    both = _lower_tails(lo, c, np.concatenate([pi, 1.0 - pi]))
    tails = both[: len(rs)] + both[len(rs) :]
    m = mu[:, None]
    weights = np.exp(special.xlogy(nn, m) - m - _log_factorial(nn))  # Poisson pmf
    return np.asarray((weights * tails).sum(axis=1))


def _reaches(lam: float, rs: np.ndarray, alpha: float, power: float) -> np.ndarray:
    """Whether the exact power reaches ``power`` at each r: decided on :func:`_fast_power`,
    and on ``_exact_power`` for any r whose fast power is within the margin of the target,
    so every decision is the one ``_exact_power`` makes."""
    fast = _fast_power(lam, rs, alpha)
    close = np.abs(fast - power) <= FAST_POWER_MARGIN
    hit = fast >= power
    if close.any():
        hit[close] = _exact_power(lam, rs[close], alpha) >= power
    return np.asarray(hit)


@functools.lru_cache(maxsize=4096)
def _exact_mde(lam: float, alpha: float, power: float) -> float | None:
    """First r on the 0.001 grid (from 0.999 down) whose exact power reaches ``power``.

    Power rises as the true ratio falls, so the grid is bisected (about ten single-r power
    evaluations instead of a thousand), then the first hit is confirmed by a linear scan of
    the neighbouring grid points, which guards against the small wiggles of a discrete test.
    """
    rs = np.round(np.arange(0.999, 0.0, -0.001), 6)

    def hits(idx: np.ndarray) -> np.ndarray:
        return _reaches(lam, rs[idx], alpha, power)

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
    # g on the whole grid at once; numpy's log may differ from math.log in the last bit, so
    # any value too close to 0 for its sign to be sure is recomputed with g itself.
    vals = np.abs(np.log(grid)) - k * np.sqrt(phi * (1.0 / lam + 1.0 / (grid * lam)))
    for j in np.nonzero(np.abs(vals) < 1e-9)[0]:
        vals[j] = g(float(grid[j]))
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
    """P5 minimum detectable effect for equal pre and post windows (docs/metrics.md §3.5).

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
