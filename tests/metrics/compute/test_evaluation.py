"""P1, P2, P3, P5 against the docs/metrics.md §3 fixtures (R poisson.test / IJE 2017 oracles)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from metrics.compute import (
    did_rate_ratio,
    its_segmented,
    mde_for_rate,
    minimum_detectable_effect,
    power,
    prepost_rate_ratio,
    prepost_sentence,
    rate_ratio_exact,
    tier_sentence,
)

FIXTURES = Path(__file__).parent / "fixtures"


def spread(total: int, months: int) -> list[int]:
    """Near-constant monthly counts summing to ``total`` (under-dispersed: φ < 1)."""
    base, extra = divmod(total, months)
    return [base + 1] * extra + [base] * (months - extra)


def engagement_series(pre: int, post: int, n: int, start: str) -> pd.Series:
    s = pd.Period(start, freq="M")
    idx = pd.period_range(s - n, s + n - 1, freq="M")
    return pd.Series(spread(pre, n) + spread(post, n), index=idx)


# --- P1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pre", "post", "rr", "lower", "upper", "p", "p_rel"),
    [
        (200, 78, 0.390, 0.296, 0.509, 1.6e-13, 0.05),
        (100, 39, 0.390, 0.262, 0.570, 2.3e-07, 0.05),
        (1000, 390, 0.390, 0.346, 0.439, 5e-62, 0.2),
        (10, 5, 0.500, 0.134, 1.605, 0.302, 0.005),
    ],
)
def test_exact_rate_ratio_matches_r_poisson_test(
    pre: int, post: int, rr: float, lower: float, upper: float, p: float, p_rel: float
) -> None:
    res = rate_ratio_exact(pre, post, 24.0, 24.0)
    assert res.rr == pytest.approx(rr, abs=5e-4)
    assert res.lower == pytest.approx(lower, abs=5e-4)
    assert res.upper == pytest.approx(upper, abs=5e-4)
    assert res.p == pytest.approx(p, rel=p_rel)


def test_prepost_200_to_78_reports_exact_ci_and_the_spec_sentence() -> None:
    res = prepost_rate_ratio(
        engagement_series(200, 78, 24, "2019-06"), start="2019-06", offense_label="Violent crime"
    )
    v = res.values
    assert res.ok and res.evidence_tier == 1
    assert (v["pre_count"], v["post_count"]) == (200, 78)
    assert v["phi"] < 1 and v["ci_method"] == "exact"
    assert (v["ci_lower"], v["ci_upper"]) == pytest.approx((0.296, 0.509), abs=5e-4)
    assert v["sentence"] == (
        "Violent crime fell 61% (95% CI 49%–70%) in the 24 months after PSP engagement began "
        "(Jun 2019) compared with the 24 months before (200 → 78); p < 0.001. Caution: sites "
        "join PSP after unusually violent periods, so part of any decline is expected without "
        "intervention, and crime also fell nationally. This comparison does not by itself show "
        "that PSP caused the change."
    )
    assert v["too_few_events"] is False and v["mde"] is not None


def test_not_significant_sentence_for_10_to_5() -> None:
    text = prepost_sentence(
        offense_label="Homicides",
        pre=10,
        post=5,
        rr=0.5,
        ci_lower=0.134,
        ci_upper=1.605,
        p=0.302,
        n_months=12,
        start=pd.Period("2019-06", freq="M"),
        too_few_events=True,
    )
    assert text == (
        "Homicides went from 10 to 5 (−50%), but with so few events the change cannot be told "
        "apart from normal variation (95% CI −87% to +61%)."
    )


def test_prepost_10_to_5_headline_says_too_few_events() -> None:
    res = prepost_rate_ratio(engagement_series(10, 5, 12, "2019-06"), start="2019-06", n_months=12)
    v = res.values
    assert (v["exact_ci_lower"], v["exact_ci_upper"]) == pytest.approx((0.134, 1.605), abs=5e-4)
    assert v["headline"] == "too few events to assess change reliably"
    assert "too_few_events" in res.flags


def test_overdispersed_counts_show_wider_quasi_poisson_ci() -> None:
    # Year-to-year swings that calendar-month effects cannot absorb.
    pre = [5] * 12 + [30] * 12
    post = [2] * 12 + [15] * 12
    idx = pd.period_range("2017-06", periods=48, freq="M")
    res = prepost_rate_ratio(pd.Series(pre + post, index=idx), start="2019-06")
    v = res.values
    assert v["phi"] > 1.5 and v["dispersion_note"]
    assert v["ci_method"] == "quasi-poisson"
    assert v["ci_upper"] - v["ci_lower"] > v["exact_ci_upper"] - v["exact_ci_lower"]


def test_prepost_is_null_until_post_window_complete() -> None:
    s = engagement_series(200, 78, 24, "2019-06").iloc[:-1]
    res = prepost_rate_ratio(s, start="2019-06")
    assert res.status == "null" and res.reason == "post_window_incomplete"


def test_prepost_is_null_when_a_pre_month_is_missing() -> None:
    s = engagement_series(200, 78, 24, "2019-06").drop(pd.Period("2018-01", freq="M"))
    res = prepost_rate_ratio(s, start="2019-06")
    assert res.status == "null" and res.reason == "missing_months"
    assert res.missing == ["2018-01"]


# --- P2 (Lopez Bernal, Cummins & Gasparrini 2017) -------------------------------------


def sicily() -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    d = pd.read_csv(FIXTURES / "its_sicily.csv")
    idx = pd.PeriodIndex(
        [
            pd.Period(year=int(y), month=int(m), freq="M")
            for y, m in zip(d.year, d.month, strict=True)
        ]
    )
    return pd.Series(d.aces.to_numpy(), index=idx), pd.Series(d.stdpop.to_numpy(), index=idx), d


def test_its_on_sicily_matches_published_step_and_dispersion() -> None:
    counts, stdpop, _ = sicily()
    res = its_segmented(counts, start="2005-01", exposure=stdpop, offense_label="Violent crime")
    v = res.values
    assert res.ok and res.evidence_tier == 2
    assert v["level_rr"] == pytest.approx(0.8851, abs=5e-5)
    assert v["level_ci_lower"] == pytest.approx(0.8394, abs=5e-5)
    assert v["level_ci_upper"] == pytest.approx(0.9332, abs=5e-5)
    assert v["phi"] == pytest.approx(2.262, abs=5e-4)
    assert v["trend_rr_per_year"] == pytest.approx(1.0668, abs=5e-5)
    assert v["observed_post"] == 19_723
    assert round(v["counterfactual_post"]) == 22_284
    assert v["slope_term"] is False  # 23 post months < 24
    assert (v["n_pre"], v["n_post"]) == (36, 23)


def test_its_sentence_on_sicily() -> None:
    counts, stdpop, _ = sicily()
    res = its_segmented(counts, start="2005-01", exposure=stdpop, offense_label="Violent crime")
    assert res.values["sentence"] == (
        "After accounting for its earlier trend and seasonal pattern, violent crime was 11% lower "
        "than projected (95% CI 7%–16%) in the 23 months after engagement."
    )


def test_naive_prepost_on_sicily_points_the_other_way() -> None:
    _, _, d = sicily()
    pre, post = d.aces[d.smokban == 0], d.aces[d.smokban == 1]
    res = rate_ratio_exact(int(pre.sum()), int(post.sum()), len(pre), len(post))
    assert res.rr == pytest.approx(1.0575, abs=5e-5)


def test_its_needs_24_pre_months() -> None:
    counts, stdpop, _ = sicily()
    res = its_segmented(counts, start="2003-01", exposure=stdpop)
    assert res.status == "null" and res.reason == "insufficient_pre_period"


def test_its_is_null_across_a_missing_month() -> None:
    counts, stdpop, _ = sicily()
    res = its_segmented(
        counts.drop(pd.Period("2003-05", freq="M")), start="2005-01", exposure=stdpop
    )
    assert res.status == "null" and res.missing == ["2003-05"]


def test_its_keeps_slope_change_with_24_post_months() -> None:
    counts, _, _ = sicily()
    res = its_segmented(counts, start="2004-12", min_pre=24)
    assert res.values["slope_term"] is True and res.values["slope_change_per_year"] > 0


# --- P3 ------------------------------------------------------------------------------


def test_did_rate_ratio_fixture() -> None:
    res = did_rate_ratio(100, 39, 1000, 800)
    v = res.values
    assert res.evidence_tier == 3
    assert v["rrr"] == pytest.approx(0.4875)
    assert (v["ci_lower"], v["ci_upper"]) == pytest.approx((0.333, 0.714), abs=5e-4)
    assert v["p_value"] == pytest.approx(0.0002, abs=5e-5)


def test_did_with_zero_cell_is_null() -> None:
    assert did_rate_ratio(0, 3, 10, 10).reason == "zero_count"


# --- P5 ------------------------------------------------------------------------------

MDE_TABLE = {
    5: (None, 93, 81),
    10: (93, 74, 62),
    20: (74, 55, 47),
    40: (55, 41, 34),
    100: (37, 27, 22),
    300: (22, 16, 13),
    1000: (13, 9, 8),
}


@pytest.mark.parametrize(
    ("per_year", "n_months", "expected"),
    [(ey, n, row[i]) for ey, row in MDE_TABLE.items() for i, n in enumerate((12, 24, 36))],
)
def test_mde_reproduces_exact_table(per_year: int, n_months: int, expected: int | None) -> None:
    mde = mde_for_rate(per_year, n_months)
    assert mde.display_pct == expected
    assert mde.too_few_events is (expected is None or expected > 50)


@pytest.mark.parametrize("lam", [100, 200, 300, 600, 900, 1000, 2000, 3000])
def test_mde_approximation_agrees_with_table_for_large_counts(lam: int) -> None:
    exact = minimum_detectable_effect(lam, method="exact")
    approx = minimum_detectable_effect(lam, method="approximation")
    assert approx.display_pct == exact.display_pct


def test_mde_approximation_widens_with_overdispersion() -> None:
    base = minimum_detectable_effect(200, phi=1.0, method="approximation").mde
    wide = minimum_detectable_effect(200, phi=2.0).mde
    assert base is not None and wide is not None and wide > base


def test_mde_closed_form_solves_the_stated_equation() -> None:
    m = minimum_detectable_effect(400, method="approximation").mde
    assert m is not None
    r = 1 - m
    assert abs(np.log(r)) == pytest.approx(
        (1.96 + 0.84) * np.sqrt(1 / 400 + 1 / (r * 400)), rel=2e-3
    )


@pytest.mark.parametrize("lam", [3, 8, 20, 57, 150, 420, 1000, 5000, 27000, 75000])
def test_fast_power_equals_the_exact_power_up_to_rounding(lam: int) -> None:
    """The recurrence behind the MDE search gives the binomial-cdf power to within 1e-9, far
    inside the margin (1e-6) under which a decision is re-made with the exact power."""
    rs = np.round(np.linspace(0.3, 0.999, 25), 6)
    fast = power._fast_power(float(lam), rs, 0.05)
    exact = power._exact_power(float(lam), rs, 0.05)
    assert np.abs(fast - exact).max() < 1e-9 < power.FAST_POWER_MARGIN


def test_log_factorial_table_gives_gammaln_to_the_last_bit() -> None:
    """The MDE's power reads log n! from a table; the floats are the ones gammaln computes
    (so the powers and every MDE are unchanged), also after the table is extended."""
    power._LOG_FACTORIAL.clear()
    small = np.arange(0, 3000)
    assert np.array_equal(power._log_factorial(small), special.gammaln(small + 1.0))
    large = np.array([[5, 70_000, 123_457, 3]])  # beyond the table: extended, same shape
    assert np.array_equal(power._log_factorial(large), special.gammaln(large + 1.0))
    assert np.array_equal(power._log_factorial(small), special.gammaln(small + 1.0))


def _mde_searched_on_exact_power(lam: float) -> float | None:
    """The P5 grid search with every decision made on ``_exact_power`` (no fast path)."""
    rs = np.round(np.arange(0.999, 0.0, -0.001), 6)

    def hits(idx: np.ndarray) -> np.ndarray:
        return power._exact_power(lam, rs[idx], 0.05) >= 0.8

    last = len(rs) - 1
    if not hits(np.array([last]))[0]:
        return None
    lo, hi = 0, last
    if hits(np.array([0]))[0]:
        hi = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if hits(np.array([mid]))[0] else (mid, hi)
    guard = 25 if lam <= 500 else 5
    window = np.arange(max(0, hi - guard), min(last, hi + guard) + 1)
    found = np.nonzero(hits(window))[0]
    return round(1.0 - float(rs[int(window[found[0]]) if found.size else hi]), 6)


@pytest.mark.parametrize("lam", [*range(1, 41), 55, 97, 233, 499, 501, 1234, 8765, 40000])
def test_mde_search_gives_the_same_answer_as_on_the_exact_power(lam: int) -> None:
    power._exact_mde.cache_clear()
    assert power._exact_mde(float(lam), 0.05, 0.8) == _mde_searched_on_exact_power(float(lam))


@pytest.mark.parametrize("phi", [1.0, 1.3, 2.5])
def test_mde_approximation_on_the_whole_grid_equals_the_point_by_point_search(phi: float) -> None:
    """The approximation's grid is evaluated at once; the bracket and root stay those of the
    point-by-point search of the equation."""
    k = 1.959963984540054 + 0.8416212335729143

    def g(r: float, lam: float) -> float:
        return abs(np.log(r)) - k * np.sqrt(phi * (1.0 / lam + 1.0 / (r * lam)))

    grid = np.exp(np.linspace(-1e-9, np.log(1e-4), 4000))
    for lam in (0.5, 3.0, 20.0, 57.0, 400.0, 2500.0, 61_234.0):
        vals = np.array([g(float(r), lam) for r in grid])
        got = power._approx_mde(lam, phi, 0.05, 0.8)
        if not (vals >= 0).any():
            assert got is None
            continue
        i = int(np.nonzero(vals >= 0)[0][0])
        assert got is not None and grid[i] <= 1.0 - got <= grid[i - 1]


def test_tier_wording() -> None:
    assert tier_sentence(1, -20.0).endswith("does not isolate PSP's effect")
    assert tier_sentence(2, -11.0) == "was 11% lower than projected from its prior trend"
    assert tier_sentence(3, -51.0, "Kansas cities") == "relative to Kansas cities, fell 51%"


def test_sentences_print_counts_with_thousands_separators():
    text = prepost_sentence(
        offense_label="Robberies",
        pre=1588,
        post=1438,
        rr=1438 / 1588,
        ci_lower=0.83,
        ci_upper=0.99,
        p=0.022,
        n_months=24,
        start=pd.Period("2022-01", "M"),
        too_few_events=False,
    )
    assert "(1,588 → 1,438)" in text
    quiet = prepost_sentence(
        offense_label="Robberies",
        pre=1588,
        post=1570,
        rr=1570 / 1588,
        ci_lower=0.9,
        ci_upper=1.06,
        p=0.7,
        n_months=24,
        start=pd.Period("2022-01", "M"),
        too_few_events=False,
    )
    assert "went from 1,588 to 1,570" in quiet
