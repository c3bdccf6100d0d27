"""Synthetic control with placebo inference (evidence tier 3, docs/metrics.md §8.2).

A site's outcome path is matched by a convex combination of places that did not get PSP:
donor weights w ≥ 0, Σw = 1, chosen to minimise the pre-period squared error (optionally on
predictors weighted by a diagonal V, as Abadie, Diamond & Hainmueller 2010 do). The inner
problem is solved exactly enough by scipy's non-negative least squares with the sum-to-one
constraint added as a heavily weighted extra row (the deviation from 1 is below 1e-9 and is
then removed by rescaling); the outer search over V, used only with predictors, is scipy's
Nelder–Mead from several starts. Both are in scipy, already a dependency: no new package is
needed, and a donor pool of 200 places fits in well under a millisecond, which is what lets
every donor be refitted as a placebo (docs/metrics.md §8.2 "Inference").

Inputs are plain arrays/frames (periods × units); nothing here knows about sites or months.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd
from scipy import optimize

# Weight of the Σw = 1 row relative to the (standardised) fit rows: large enough that the
# constraint holds to ~1e-9, small enough to keep NNLS well conditioned.
_SUM_ROW_WEIGHT = 1e4
Place = TypeVar("Place", str, int)

# A donor "carries weight" (is counted in the sentence and listed) from this weight on.
WEIGHT_SHOWN = 0.001


def simplex_weights(
    x_treated: np.ndarray, x_donors: np.ndarray, v: np.ndarray | None = None
) -> np.ndarray:
    """Weights w ≥ 0, Σw = 1 minimising Σ_k v_k (x_treated_k − (x_donors w)_k)².

    ``x_treated`` has shape (k,), ``x_donors`` (k, J), ``v`` (k,) non-negative (default 1).
    """
    x1 = np.asarray(x_treated, dtype=float)
    x0 = np.asarray(x_donors, dtype=float)
    k, n_donors = x0.shape
    if n_donors == 1:
        return np.ones(1)
    root_v = np.sqrt(np.ones(k) if v is None else np.asarray(v, dtype=float))
    # Scale so the fit rows are O(1) whatever the units (rates per 100k, dollars...).
    scale = float(np.abs(x1).max()) or float(np.abs(x0).max()) or 1.0
    a = np.vstack([root_v[:, None] * x0 / scale, np.full((1, n_donors), _SUM_ROW_WEIGHT)])
    b = np.concatenate([root_v * x1 / scale, [_SUM_ROW_WEIGHT]])
    w, _ = optimize.nnls(a, b, maxiter=50 * n_donors)
    total = w.sum()
    if total <= 0:  # pragma: no cover - the sum row makes this impossible
        return np.full(n_donors, 1.0 / n_donors)
    return np.asarray(w / total)


def _v_from(theta: np.ndarray) -> np.ndarray:
    v = theta**2
    total = v.sum()
    return v / total if total > 0 else np.full(len(theta), 1.0 / len(theta))


def fit_with_predictors(
    z_treated: np.ndarray,
    z_donors: np.ndarray,
    x_treated: np.ndarray,
    x_donors: np.ndarray,
    *,
    starts: int = 8,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """ADH's nested fit: predictors ``x`` (k,) / (k, J) standardised by their SD across all
    units; V (diagonal, Σv = 1) chosen to minimise the pre-period outcome error of ``z``
    (T0,) / (T0, J) under the weights ``simplex_weights(x, v)``. Returns (w, v).

    The V search is not convex and has no unique answer (docs/metrics.md §8.2): several
    seeded starts (equal V, then random), Nelder–Mead from each, the best kept.
    """
    x_all = np.column_stack([x_treated, x_donors])
    sd = x_all.std(axis=1, ddof=1)
    sd[sd == 0] = 1.0
    x1, x0 = x_treated / sd, x_donors / sd[:, None]
    z1, z0 = np.asarray(z_treated, float), np.asarray(z_donors, float)

    def loss(theta: np.ndarray) -> float:
        w = simplex_weights(x1, x0, _v_from(theta))
        return float(np.mean((z1 - z0 @ w) ** 2))

    rng = np.random.default_rng(seed)
    k = len(x1)
    candidates = [np.ones(k)] + [rng.uniform(0.05, 1.0, k) for _ in range(starts - 1)]
    best: tuple[float, np.ndarray] | None = None
    for theta0 in candidates:
        res = optimize.minimize(
            loss, theta0, method="Nelder-Mead", options={"maxiter": 2000, "xatol": 1e-6}
        )
        if best is None or res.fun < best[0]:
            best = (float(res.fun), np.asarray(res.x))
    assert best is not None
    v = _v_from(best[1])
    return simplex_weights(x1, x0, v), v


def rmspe(gap: np.ndarray) -> float:
    """Root mean squared prediction error of a gap series."""
    return float(np.sqrt(np.mean(np.square(gap)))) if len(gap) else float("nan")


@dataclass(frozen=True)
class SyntheticFit:
    """One synthetic control: weights over ``donors``, the synthetic path and its errors."""

    donors: list[str]
    weights: np.ndarray
    observed: np.ndarray
    synthetic: np.ndarray
    n_pre: int
    # Pre-period errors below this (the noise expected at the unit's own level) are
    # overfitting, not fit: the RMSPE ratio divides by at least this much.
    noise_floor: float = 0.0

    @property
    def gap(self) -> np.ndarray:
        return np.asarray(self.observed - self.synthetic)

    @property
    def pre_rmspe(self) -> float:
        return rmspe(self.gap[: self.n_pre])

    @property
    def post_rmspe(self) -> float:
        return rmspe(self.gap[self.n_pre :])

    @property
    def ratio_rmspe(self) -> float:
        """Post/pre RMSPE ratio, the placebo test statistic (ADH 2010, §8.2)."""
        pre = max(self.pre_rmspe, self.noise_floor)
        return self.post_rmspe / pre if pre > 0 else math.inf

    @property
    def effect_ratio(self) -> float:
        """Observed post level ÷ synthetic post level (1 = no difference)."""
        synthetic = float(self.synthetic[self.n_pre :].sum())
        return float(self.observed[self.n_pre :].sum()) / synthetic if synthetic > 0 else math.nan

    def donor_weights(self, minimum: float = WEIGHT_SHOWN) -> list[tuple[str, float]]:
        """Donors carrying at least ``minimum`` weight, heaviest first."""
        pairs = [(d, float(w)) for d, w in zip(self.donors, self.weights, strict=True)]
        return sorted((p for p in pairs if p[1] >= minimum), key=lambda p: (-p[1], p[0]))


def synthetic_control(
    outcomes: pd.DataFrame,
    treated: str,
    n_pre: int,
    noise_floors: Mapping[str, float] | None = None,
) -> SyntheticFit:
    """Fit ``treated`` (a column of ``outcomes``, periods × units) from every other column on
    the first ``n_pre`` periods' outcomes; the synthetic path covers every period.
    ``noise_floors`` (per unit) floor the pre-period RMSPE in the placebo statistic."""
    if n_pre < 1 or n_pre > len(outcomes):
        raise ValueError("n_pre must be between 1 and the number of periods")
    donors = [c for c in outcomes.columns if c != treated]
    if not donors:
        raise ValueError("a synthetic control needs at least one donor")
    y = outcomes.to_numpy(dtype=float)
    col = list(outcomes.columns).index(treated)
    others = [i for i in range(y.shape[1]) if i != col]
    y1, y0 = y[:, col], y[:, others]
    w = simplex_weights(y1[:n_pre], y0[:n_pre])
    return SyntheticFit(
        donors=[str(d) for d in donors],
        weights=w,
        observed=y1,
        synthetic=y0 @ w,
        n_pre=n_pre,
        noise_floor=(noise_floors or {}).get(treated, 0.0),
    )


@dataclass(frozen=True)
class PlaceboTest:
    """The treated unit's statistic against its placebos' (§8.2 inference).

    ``p`` = (1 + placebos at least as extreme) / (1 + placebos): the rank of the treated
    unit among all, so the smallest p with n placebos is 1/(n+1).
    """

    statistic: float
    placebo_statistics: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.placebo_statistics)

    @property
    def n_as_extreme(self) -> int:
        return sum(1 for s in self.placebo_statistics if s >= self.statistic)

    @property
    def p(self) -> float | None:
        return (1 + self.n_as_extreme) / (1 + self.n) if self.n else None


def space_placebo_fits(
    outcomes: pd.DataFrame,
    treated: str,
    n_pre: int,
    noise_floors: Mapping[str, float] | None = None,
) -> list[SyntheticFit]:
    """Every donor refitted as if it had been treated, with the other donors (never the
    treated unit) as its pool (ADH 2010)."""
    pool = outcomes.drop(columns=[treated])
    if pool.shape[1] < 2:
        return []
    return [synthetic_control(pool, d, n_pre, noise_floors) for d in pool.columns]


def placebo_in_space(outcomes: pd.DataFrame, treated: str, n_pre: int) -> PlaceboTest:
    """The treated unit's post/pre RMSPE ratio against every donor's as a placebo."""
    fit = synthetic_control(outcomes, treated, n_pre)
    placebos = space_placebo_fits(outcomes, treated, n_pre)
    return PlaceboTest(fit.ratio_rmspe, [p.ratio_rmspe for p in placebos])


def placebo_in_time(
    outcomes: pd.DataFrame, treated: str, n_pre: int, *, min_pre: int = 3
) -> PlaceboTest:
    """Pretend the engagement started earlier, at each period ``t`` of the pre period with at
    least ``min_pre`` periods before it; each fake fit uses periods [0, t) as its pre period
    and [t, n_pre) as its post period (never a real post period). The real statistic is the
    post/pre RMSPE ratio of the real start."""
    fit = synthetic_control(outcomes, treated, n_pre)
    pre_only = outcomes.iloc[:n_pre]
    fakes = [synthetic_control(pre_only, treated, t).ratio_rmspe for t in range(min_pre, n_pre)]
    return PlaceboTest(fit.ratio_rmspe, fakes)


def poor_pre_fit(pre_rmspe: float, mean_count: float, population: float) -> bool:
    """§8.2: the pre-period RMSPE (a rate per 100,000 a period) exceeds twice the Poisson
    noise expected at the site's own level, √(mean count per period) as a rate."""
    noise = 1e5 * math.sqrt(max(mean_count, 0.0)) / population
    return pre_rmspe > 2 * noise


def eligible_donors(
    populations: Mapping[Place, float],
    pre_counts: Mapping[Place, int],
    *,
    site_population: float,
    exclude: Sequence[Place] = (),
    min_events: int = 20,
    limit: int = 200,
) -> list[Place]:
    """§8.1 donors: not excluded (PSP sites), population within ¼× to 4× the site's, at least
    ``min_events`` events in the pre window; the ``limit`` closest in population kept."""
    out = [
        place
        for place, pop in populations.items()
        if place not in exclude
        and site_population / 4 <= pop <= site_population * 4
        and pre_counts.get(place, 0) >= min_events
    ]
    out.sort(key=lambda p: (abs(math.log(populations[p] / site_population)), p))
    return out[:limit]


__all__ = [
    "WEIGHT_SHOWN",
    "PlaceboTest",
    "SyntheticFit",
    "eligible_donors",
    "fit_with_predictors",
    "placebo_in_space",
    "placebo_in_time",
    "poor_pre_fit",
    "rmspe",
    "simplex_weights",
    "space_placebo_fits",
    "synthetic_control",
]
