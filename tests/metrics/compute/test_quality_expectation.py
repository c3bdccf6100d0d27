"""§7.3 data-quality rules on seasonal, overdispersed counts (docs/metrics.md §7.3): the
trailing-36-month expectation, Benjamini–Hochberg across tested months, DQ4 by lag alone and
the automatic source-ramp break."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from metrics.compute import complete_monthly, dq2_implausible_zero, dq3_outliers, dq4_provisional
from metrics.compute.quality import expectations, source_ramp, two_sided_tail_p


def synthetic(
    level: float, seed: int, n: int = 60, phi: float = 1.5
) -> tuple[pd.Series, np.ndarray]:
    """The acceptance series: seasonal amplitude ±20%, negative-binomial with variance φμ."""
    rng = np.random.default_rng(seed)
    idx = pd.period_range("2014-01", periods=n, freq="M")
    moy = np.array([p.month for p in idx])
    mu = level * (1 + 0.2 * np.sin(2 * np.pi * moy / 12))
    size = mu / (phi - 1)
    y = rng.negative_binomial(size, size / (size + mu)).astype(float)
    return pd.Series(y, index=idx), mu


def level_for(seed: int) -> float:
    return float(np.exp(np.random.default_rng(seed).uniform(np.log(20), np.log(200))))


def test_expectation_equals_one_statsmodels_fit_per_month_and_bh() -> None:
    counts, _ = synthetic(50, seed=7, n=48)
    got = expectations(complete_monthly(counts))
    y = counts.to_numpy()
    moy = np.array([p.month for p in counts.index], dtype=float)
    mus, ps, js = [], [], []
    for j in range(12, 48):
        rows = np.arange(max(0, j - 36), j)
        a = 2 * np.pi * moy / 12
        season = np.column_stack([np.sin(a), np.cos(a), np.sin(2 * a), np.cos(2 * a)])
        x = np.column_stack([np.ones(len(rows)), (rows - j) / 12.0, season[rows]])
        fit = sm.GLM(y[rows], x, family=sm.families.Poisson()).fit(scale="X2")
        x0 = np.r_[1.0, 0.0, season[j]]
        mu = float(np.exp(x0 @ fit.params))
        phi = max(1.0, float(fit.scale))
        var_log = float(x0 @ (np.asarray(fit.cov_params()) / fit.scale * phi) @ x0)
        var = phi * mu + mu * mu * var_log
        size = mu * mu / (var - mu)
        low = stats.nbinom.cdf(y[j], size, size / (size + mu))
        high = stats.nbinom.sf(y[j] - 1, size, size / (size + mu))
        mus.append(mu)
        ps.append(min(1.0, 2 * min(low, high)))
        js.append(j)
    qs = multipletests(ps, method="fdr_bh")[1]
    assert got.tested.iloc[js].all() and not got.tested.iloc[:12].any()
    assert got.expected.iloc[js].to_numpy() == pytest.approx(mus, rel=1e-6)
    assert got.p.iloc[js].to_numpy() == pytest.approx(ps, rel=1e-5, abs=1e-12)
    assert got.q.iloc[js].to_numpy() == pytest.approx(qs, rel=1e-5, abs=1e-12)


def test_two_sided_tail_is_poisson_when_there_is_no_extra_variance() -> None:
    p = two_sided_tail_p(3, 14.08, 14.08)
    assert p == pytest.approx(2 * stats.poisson.cdf(3, 14.08))


def test_no_anomaly_flags_at_most_half_a_percent_of_months() -> None:
    flagged = tested = 0
    for seed in range(300):
        counts, _ = synthetic(level_for(seed), seed)
        e = expectations(complete_monthly(counts))
        flagged += int(e.flagged.sum())
        tested += int(e.tested.sum())
    assert tested == 300 * 48
    assert flagged / (300 * 60) <= 0.005


@pytest.mark.parametrize(
    ("factor", "min_expected"), [(0.0, 20.0), (0.3, 60.0), (3.0, 60.0)], ids=["zero", "30%", "300%"]
)
def test_injected_anomalies_are_flagged_at_least_nine_times_in_ten(
    factor: float, min_expected: float
) -> None:
    hits = trials = 0
    seed = 0
    while trials < 150:
        seed += 1
        counts, mu = synthetic(level_for(seed + 1000), seed + 5000)
        j = 12 + seed % 48
        if mu[j] < min_expected:
            continue
        counts.iloc[j] = round(factor * mu[j])
        trials += 1
        hits += bool(expectations(complete_monthly(counts)).flagged.iloc[j])
    assert hits / trials >= 0.90


def test_dq2_names_zeros_and_dq3_the_other_months() -> None:
    counts, _ = synthetic(40, seed=3, n=40)
    counts.iloc[30] = 0
    counts.iloc[35] = 200
    ms = complete_monthly(counts)
    zero, high = month(counts, 30), month(counts, 35)
    assert [(f.rule, f.key, f.effect) for f in dq2_implausible_zero(ms)] == [
        ("DQ2", zero, "suspect")
    ]
    assert [(f.rule, f.key) for f in dq3_outliers(ms)] == [("DQ3", high)]
    assert "expected" in dq3_outliers(ms)[0].message


def month(counts: pd.Series, i: int) -> str:
    return str(counts.index[i])


def test_rare_series_are_not_tested() -> None:
    idx = pd.period_range("2014-01", periods=48, freq="M")
    y = np.zeros(48)
    y[[5, 20, 40]] = 1
    y[47] = 3
    e = expectations(complete_monthly(pd.Series(y, index=idx)))
    assert not e.tested.any()


def test_summer_highs_of_a_seasonal_series_are_not_outliers() -> None:
    # Strong seasonality (±40%) that the old trailing-12 Poisson rule flagged every summer.
    idx = pd.period_range("2014-01", periods=60, freq="M")
    moy = np.array([p.month for p in idx])
    y = np.round(80 * (1 + 0.4 * np.sin(2 * np.pi * (moy - 4) / 12)))
    assert dq3_outliers(complete_monthly(pd.Series(y, index=idx))) == []


def test_dq4_by_lag_only_never_by_a_low_value() -> None:
    idx = pd.period_range("2023-01", periods=13, freq="M")
    ms = complete_monthly(pd.Series([10.0] * 12 + [4.0], index=idx))
    assert dq4_provisional(ms, as_of=dt.date(2030, 1, 1)) == []
    assert [f.key for f in dq4_provisional(ms, as_of=dt.date(2024, 2, 10))] == [
        "2023-12",
        "2024-01",
    ]


def test_a_source_ramp_is_a_break_at_its_first_full_month() -> None:
    counts, mu = synthetic(100, seed=11, n=48)
    counts.iloc[:5] = np.round(0.2 * mu[:5])
    assert source_ramp(complete_monthly(counts)) == counts.index[5]


def test_steady_sources_have_no_ramp() -> None:
    found = [source_ramp(complete_monthly(synthetic(level_for(s), s, n=48)[0])) for s in range(100)]
    assert found == [None] * 100
