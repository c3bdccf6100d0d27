"""§7.3–§7.5 on P1 and P2 (docs/metrics.md): suspect months stay in with a sensitivity estimate,
the displayed interval is the wider one, "too few events" is decided by counts, the ITS guards."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from metrics.compute import its_segmented, prepost_rate_ratio
from metrics.compute.evaluation import sensitivity_sentence
from tests.metrics.compute.test_evaluation import sicily as sicily_frame


def series(pre: list[float], post: list[float], start: str = "2019-06") -> pd.Series:
    s = pd.Period(start, freq="M")
    idx = pd.period_range(s - len(pre), s + len(post) - 1, freq="M")
    return pd.Series(pre + post, index=idx, dtype=float)


def clopper_pearson_rr(c_pre: int, c_post: int, e_pre: float, e_post: float) -> tuple[float, ...]:
    """R's poisson.test(c(post, pre), c(E_post, E_pre)), written out: Clopper–Pearson on the
    post share, mapped to a rate ratio."""
    n = c_pre + c_post
    lo = stats.beta.ppf(0.025, c_post, n - c_post + 1) if c_post else 0.0
    hi = stats.beta.ppf(0.975, c_post + 1, n - c_post) if c_post < n else 1.0
    k = e_pre / e_post
    return (c_post / e_post) / (c_pre / e_pre), lo / (1 - lo) * k, hi / (1 - hi) * k


def test_a_suspect_month_stays_in_and_the_sensitivity_leaves_it_out() -> None:
    counts = series([9.0] * 24, [5.0] * 24)
    counts.iloc[3] = 30  # a pre month the rules flagged
    status = pd.Series("reported", index=counts.index, dtype=object)
    status.iloc[3] = "suspect"
    res = prepost_rate_ratio(counts, status, start="2019-06")
    v = res.values
    assert res.ok and (v["pre_count"], v["post_count"]) == (9 * 23 + 30, 120)
    sens = v["sensitivity"]
    assert sens["excluded_months"] == [str(counts.index[3])]
    rr, lo, hi = clopper_pearson_rr(9 * 23, 120, 23.0, 24.0)
    assert sens["rr"] == pytest.approx(rr)
    assert (sens["ci_low"], sens["ci_high"]) == pytest.approx((lo, hi), rel=1e-6)
    assert sensitivity_sentence(sens) == (
        f"Without the 1 flagged month: −{round(100 * (1 - rr))}% "
        f"(−{round(100 * (1 - lo))}% to −{round(100 * (1 - hi))}%)."
    )


def test_no_flagged_month_means_no_sensitivity() -> None:
    res = prepost_rate_ratio(series([9.0] * 24, [5.0] * 24), start="2019-06")
    assert res.values["sensitivity"] is None and sensitivity_sentence(None) == ""


def test_a_missing_month_still_makes_the_window_null() -> None:
    counts = series([9.0] * 24, [5.0] * 24).drop(pd.Period("2018-01", freq="M"))
    res = prepost_rate_ratio(counts, start="2019-06")
    assert res.status == "null" and res.reason == "missing_months"


def test_quasi_interval_uses_t_on_the_residual_df_and_the_wider_is_shown() -> None:
    pre = [5.0] * 12 + [30.0] * 12
    post = [2.0] * 12 + [15.0] * 12
    counts = series(pre, post)
    v = prepost_rate_ratio(counts, start="2019-06").values
    y = np.array(pre + post)
    months = np.array([m.month for m in counts.index])
    x = np.column_stack(
        [np.ones(48), np.r_[np.zeros(24), np.ones(24)]]
        + [(months == m).astype(float) for m in range(2, 13)]
    )
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    t = stats.t.ppf(0.975, fit.df_resid)
    rr = sum(post) / sum(pre)
    se = float(fit.bse[1])
    assert v["quasi_ci_lower"] == pytest.approx(rr * np.exp(-t * se), rel=1e-9)
    assert v["quasi_ci_upper"] == pytest.approx(rr * np.exp(t * se), rel=1e-9)
    assert v["ci_method"] == "quasi-poisson"
    assert (v["ci_lower"], v["ci_upper"]) == (v["quasi_ci_lower"], v["quasi_ci_upper"])


def test_under_dispersed_counts_show_the_exact_interval() -> None:
    v = prepost_rate_ratio(series([9.0] * 24, [5.0] * 24), start="2019-06").values
    assert v["phi"] < 1 and v["ci_method"] == "exact"
    assert (v["ci_lower"], v["ci_upper"]) == (v["exact_ci_lower"], v["exact_ci_upper"])


def test_too_few_events_is_never_beside_a_significant_result() -> None:
    # 30 → 2 in 12-month windows: the MDE by counts is above 50%, yet the drop is significant.
    v = prepost_rate_ratio(
        series([3.0] * 6 + [2.0] * 6, [0.0] * 10 + [1.0] * 2), start="2019-06", n_months=12
    ).values
    assert v["significant"] is True and v["mde_display_pct"] > 50
    assert v["too_few_events"] is False and not v["headline"].startswith("too few")


def test_too_few_events_is_not_decided_by_dispersion() -> None:
    # 300 events a window, wildly overdispersed: the φ-adjusted MDE is over 50%, the count's
    # is not; the result is not significant and the page still gives the comparison.
    pre = [1.0, 24.0] * 12
    post = [24.0, 1.0] * 12
    v = prepost_rate_ratio(series(pre, post), start="2019-06").values
    assert v["mde_with_dispersion_pct"] > 50 and v["mde_display_pct"] < 50
    assert v["too_few_events"] is False


def test_zero_to_zero_reads_no_change() -> None:
    v = prepost_rate_ratio(series([0.0] * 12, [0.0] * 12), start="2019-06", n_months=12).values
    assert "no change (0 → 0)" in v["sentence"] and "%" not in v["sentence"]


def sicily() -> tuple[pd.Series, pd.Series]:
    counts, stdpop, _ = sicily_frame()
    return counts, stdpop


def newey_west_se(x: np.ndarray, y: np.ndarray, mu: np.ndarray, lags: int) -> np.ndarray:
    """HAC standard errors of a Poisson GLM written out: bread (X'WX)⁻¹, meat Σ Bartlett-weighted
    autocovariances of the scores x_t (y_t − μ_t), no small-sample correction."""
    bread = np.linalg.inv(x.T @ (mu[:, None] * x))
    s = x * (y - mu)[:, None]
    meat = s.T @ s
    for lag in range(1, lags + 1):
        g = s[lag:].T @ s[:-lag]
        meat += (1 - lag / (lags + 1)) * (g + g.T)
    return np.sqrt(np.diag(bread @ meat @ bread))


def test_its_reports_hac_and_keeps_the_sicily_oracle() -> None:
    counts, stdpop = sicily()
    v = its_segmented(counts, start="2005-01", exposure=stdpop).values
    assert v["se_type"] == "HAC"
    # On Sicily the Newey–West SE is below the model-based one, so the oracle's interval stands.
    assert (v["level_ci_lower"], v["level_ci_upper"]) == pytest.approx((0.8394, 0.9332), abs=5e-5)


def test_its_hac_interval_when_residuals_are_autocorrelated() -> None:
    rng = np.random.default_rng(4)
    idx = pd.period_range("2014-01", periods=60, freq="M")
    wave = np.repeat(rng.normal(0, 0.25, 10), 6)  # six-month runs: strong autocorrelation
    y = rng.poisson(100 * np.exp(wave)).astype(float)
    counts = pd.Series(y, index=idx)
    v = its_segmented(counts, start="2017-01").values
    t = np.arange(1, 61, dtype=float)
    moy = np.array([p.month for p in idx], dtype=float)
    post = (t >= 37).astype(float)
    a = 2 * np.pi * moy / 12
    x = np.column_stack(
        [np.ones(60), t, post, (t - 37) * post]
        + [np.sin(a), np.cos(a), np.sin(2 * a), np.cos(2 * a)]
    )
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    hac = newey_west_se(x, y, np.asarray(fit.mu), 12)[2]
    model = float(fit.bse[2]) * np.sqrt(max(1.0, fit.pearson_chi2 / fit.df_resid))
    se = max(hac, model)
    assert hac > model  # the autocorrelation widens the interval here
    rr = float(np.exp(fit.params[2]))
    assert v["level_rr"] == pytest.approx(rr, rel=1e-6)
    z = stats.norm.ppf(0.975)
    assert v["level_ci_lower"] == pytest.approx(rr * np.exp(-z * se), rel=1e-4)
    assert v["level_ci_upper"] == pytest.approx(rr * np.exp(z * se), rel=1e-4)


def test_its_needs_36_pre_months() -> None:
    counts, stdpop = sicily()
    res = its_segmented(counts, start="2004-12", exposure=stdpop)
    assert res.status == "null" and res.reason == "insufficient_pre_period"


def test_its_is_unstable_when_the_projection_runs_away() -> None:
    # A steep pre-period climb: the projected post level ends far above 5× the pre level.
    idx = pd.period_range("2014-01", periods=60, freq="M")
    y = np.r_[np.round(2 * np.exp(0.12 * np.arange(36))), np.full(24, 100.0)]
    res = its_segmented(pd.Series(y, index=idx), start="2017-01")
    assert res.status == "null" and res.reason == "unstable_fit"
    assert "events_averted" not in res.values


def test_its_is_unstable_with_a_huge_coefficient() -> None:
    idx = pd.period_range("2014-01", periods=60, freq="M")
    y = np.r_[np.zeros(36), np.full(24, 50.0)]  # nothing before: β2 runs off to infinity
    res = its_segmented(pd.Series(y, index=idx), start="2017-01")
    assert res.status == "null" and res.reason == "unstable_fit"


def test_its_on_a_steady_series_is_ok_and_floors_phi() -> None:
    idx = pd.period_range("2014-01", periods=60, freq="M")
    y = np.tile([39.0, 41.0], 30)  # under-dispersed: Pearson φ far below 1
    res = its_segmented(pd.Series(y, index=idx), start="2017-01")
    assert res.ok and res.values["phi"] == 1.0 and res.values["phi_estimated"] < 1.0
