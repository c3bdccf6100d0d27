"""Synthetic control (docs/metrics.md §8.2): the Proposition 99 oracle, the constrained weights
against an independent optimiser, and placebo inference that stays quiet on noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from metrics.compute.synthetic import (
    eligible_donors,
    fit_with_predictors,
    placebo_in_space,
    placebo_in_time,
    poor_pre_fit,
    simplex_weights,
    synthetic_control,
)

SMOKING = Path(__file__).parent / "fixtures" / "smoking.csv"
PUBLISHED = {
    "Utah": 0.334,
    "Nevada": 0.234,
    "Montana": 0.199,
    "Colorado": 0.164,
    "Connecticut": 0.069,
}


def _predictors(panel: pd.DataFrame, state: str) -> np.ndarray:
    s = panel[panel["state"] == state].set_index("year")
    return np.array(
        [
            s.loc[1980:1988, "lnincome"].mean(),
            s.loc[1980:1988, "retprice"].mean(),
            s.loc[1980:1988, "age15to24"].mean(),
            s.loc[1984:1988, "beer"].mean(),
            s.loc[1975, "cigsale"],
            s.loc[1980, "cigsale"],
            s.loc[1988, "cigsale"],
        ]
    )


def test_proposition_99_donor_weights() -> None:
    panel = pd.read_csv(SMOKING)
    sales = panel.pivot(index="year", columns="state", values="cigsale")
    donors = [s for s in sales.columns if s != "California"]
    assert len(donors) == 38
    pre = sales.loc[1970:1988]
    w, _ = fit_with_predictors(
        pre["California"].to_numpy(),
        pre[donors].to_numpy(),
        _predictors(panel, "California"),
        np.column_stack([_predictors(panel, s) for s in donors]),
    )
    weights = dict(zip(donors, w, strict=True))
    for state, published in PUBLISHED.items():
        assert weights[state] == pytest.approx(published, abs=0.03), state
    assert sum(weights[s] for s in PUBLISHED) >= 0.95
    assert min(w) >= 0
    assert sum(w) == pytest.approx(1, abs=1e-9)


def test_simplex_weights_match_an_independent_constrained_optimiser() -> None:
    rng = np.random.default_rng(3)
    x0 = rng.uniform(10, 50, size=(8, 12))
    x1 = x0[:, :3] @ np.array([0.5, 0.3, 0.2]) + rng.normal(0, 1, 8)
    w = simplex_weights(x1, x0)

    res = optimize.minimize(
        lambda u: float(np.sum((x1 - x0 @ u) ** 2)),
        np.full(12, 1 / 12),
        method="SLSQP",
        bounds=[(0, 1)] * 12,
        constraints=[{"type": "eq", "fun": lambda u: u.sum() - 1}],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    assert np.sum((x1 - x0 @ w) ** 2) <= res.fun + 1e-6
    assert np.allclose(w, res.x, atol=1e-3)


def test_an_exact_convex_combination_is_recovered_and_gives_zero_effect() -> None:
    periods = 12
    rng = np.random.default_rng(5)
    donors = pd.DataFrame(rng.uniform(20, 40, size=(periods, 6)), columns=list("abcdef"))
    site = 0.6 * donors["b"] + 0.4 * donors["e"]
    fit = synthetic_control(donors.assign(site=site), "site", n_pre=8)
    assert dict(fit.donor_weights()) == pytest.approx({"b": 0.6, "e": 0.4}, abs=1e-6)
    assert fit.effect_ratio == pytest.approx(1.0, abs=1e-6)
    assert fit.pre_rmspe == pytest.approx(0, abs=1e-6)


def _panel(rng: np.random.Generator, units: int, periods: int, effect: float) -> pd.DataFrame:
    """Quarterly rates per 100k of places of 200,000 people with a shared trend and Poisson
    noise; the first column ('site') is multiplied by ``effect`` in the last 4 periods."""
    trend = 1 + 0.03 * np.sin(np.arange(periods) / 2)
    level = rng.uniform(30, 90, units)
    mean = 2 * np.outer(trend, level)  # events a quarter for 200,000 people
    mean[-4:, 0] *= effect
    counts = rng.poisson(mean)
    cols = ["site"] + [f"p{i}" for i in range(1, units)]
    return pd.DataFrame(1e5 * counts / 200_000, columns=cols)


def test_placebo_in_space_stays_quiet_without_an_effect() -> None:
    rng = np.random.default_rng(11)
    small = [placebo_in_space(_panel(rng, 25, 12, 1.0), "site", 8).p for _ in range(20)]
    assert sum(1 for p in small if p is not None and p < 0.05) <= 3


def test_placebo_in_space_detects_a_halving() -> None:
    test = placebo_in_space(_panel(np.random.default_rng(2), 25, 12, 0.5), "site", 8)
    assert test.n == 24
    assert test.n_as_extreme == 0
    assert test.p == pytest.approx(1 / 25)


def test_placebo_in_time_uses_only_the_pre_period() -> None:
    panel = _panel(np.random.default_rng(4), 10, 12, 0.5)
    test = placebo_in_time(panel, "site", 8, min_pre=3)
    assert test.n == 5  # fake starts at periods 3..7
    changed = panel.copy()
    changed.iloc[8:, :] = 0  # the real post period cannot move the fake fits
    again = placebo_in_time(changed, "site", 8, min_pre=3)
    assert again.placebo_statistics == pytest.approx(test.placebo_statistics)


def test_poor_pre_fit_rule() -> None:
    # 100,000 people, 25 events a quarter: noise √25 = 5 events = 5 per 100k; twice is 10.
    assert not poor_pre_fit(9.9, 25, 100_000)
    assert poor_pre_fit(10.1, 25, 100_000)


def test_eligible_donors_rule() -> None:
    populations = {"a": 100_000, "b": 24_000, "c": 400_000, "d": 401_000, "e": 50_000, "s": 1}
    counts = {"a": 20, "b": 50, "c": 30, "d": 30, "e": 19, "s": 99}
    got = eligible_donors(populations, counts, site_population=100_000, exclude=["s"])
    assert got == ["a", "c"]
    assert eligible_donors(populations, counts, site_population=100_000, limit=1) == ["a"]
