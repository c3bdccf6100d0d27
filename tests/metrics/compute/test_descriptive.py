"""D1–D7 against the docs/metrics.md §2 "Example City" fixtures (population 80,000)."""

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from metrics.compute import (
    compstat_date_windows,
    compstat_windows,
    monthly_count,
    percent_change,
    person_years,
    poisson_z,
    rate_per_100k,
    rate_ratio_exact,
    rolling_12m,
    rolling_12m_series,
    yoy_change,
    ytd_change,
)
from metrics.compute.descriptive import binomial_test_p, clopper_pearson
from metrics.compute.series import complete_monthly

VIOLENT_2023 = [15, 9, 16, 14, 13, 17, 20, 18, 12, 11, 10, 14]
VIOLENT_2024 = [10, 12, 8]
POPULATION = 80_000


def example_city(drop: tuple[str, ...] = ()) -> pd.Series:
    idx = pd.period_range("2023-01", "2024-03", freq="M")
    s = pd.Series(VIOLENT_2023 + VIOLENT_2024, index=idx)
    return s.drop([pd.Period(m, freq="M") for m in drop])


# --- D1 ------------------------------------------------------------------------------


def test_deleted_june_row_is_missing_not_zero() -> None:
    res = monthly_count(example_city(drop=("2023-06",)), month="2023-06")
    assert res.status == "null"
    assert res.reason == "missing_months"
    assert res.missing == ["2023-06"]
    assert res.values["count"] is None
    assert res.values["month_status"] == "missing"


def test_reported_month_returns_its_count() -> None:
    res = monthly_count(example_city(), month="2023-07")
    assert res.ok and res.values["count"] == 20


# --- D2 ------------------------------------------------------------------------------


def test_ytd_through_march_2024_matches_fixture() -> None:
    res = ytd_change(example_city())
    v = res.values
    assert res.ok and res.as_of == "2024-03"
    assert (v["ytd"], v["prev_ytd"]) == (30, 40)
    assert v["abs_change"] == -10
    assert v["pct_change"] == pytest.approx(-25.0)
    assert v["poisson_z"] == pytest.approx(-1.695, abs=5e-4)
    assert v["p_value"] == pytest.approx(0.282, abs=5e-4)
    assert v["rate_ratio"] == pytest.approx(0.75)
    assert v["rr_ci_lower"] == pytest.approx(0.451, abs=5e-4)
    assert v["rr_ci_upper"] == pytest.approx(1.235, abs=5e-4)


def test_ytd_is_null_when_a_prior_year_month_is_missing() -> None:
    res = ytd_change(example_city(drop=("2023-02",)))
    assert res.status == "null" and res.reason == "missing_months"
    assert res.missing == ["2023-02"]


def test_ytd_uses_latest_reported_month_not_provisional() -> None:
    s = example_city()
    status = pd.Series("reported", index=s.index, dtype=object)
    status[pd.Period("2024-03", freq="M")] = "provisional"
    res = ytd_change(s, status)
    assert res.as_of == "2024-02"
    assert (res.values["ytd"], res.values["prev_ytd"]) == (22, 24)


# --- D3 ------------------------------------------------------------------------------


def test_rolling_12m_at_december_2023_is_169() -> None:
    assert rolling_12m(example_city(), month="2023-12").values["r12"] == 169


def test_rolling_12m_at_march_2024_is_159() -> None:
    assert rolling_12m(example_city(), month="2024-03").values["r12"] == 159


def test_rolling_12m_with_june_deleted_is_null_not_row_count_158() -> None:
    res = rolling_12m(example_city(drop=("2023-06",)), month="2024-03")
    assert res.status == "null" and res.reason == "missing_months"
    assert res.missing == ["2023-06"]
    assert res.values.get("r12") is None


def test_rolling_12m_series_is_nan_where_any_month_missing() -> None:
    r12 = rolling_12m_series(example_city(drop=("2023-06",)))
    assert r12.isna().all()
    full = rolling_12m_series(example_city())
    assert full[pd.Period("2023-12", freq="M")] == 169
    assert full[pd.Period("2024-03", freq="M")] == 159


def test_rolling_12m_series_equals_the_pandas_rolling_sum() -> None:
    """Whole counts are summed by differences of a cumulative sum: the same floats as pandas'
    calendar rolling sum, NaN wherever one of the 12 months is neither reported nor suspect
    (suspect months stay in since §7.3)."""
    rng = np.random.default_rng(7)
    months = pd.period_range("2015-01", periods=130, freq="M")
    for trial in range(20):
        counts = pd.Series(rng.poisson(40 + 300 * trial, len(months)).astype(float), index=months)
        status = pd.Series(
            rng.choice(["reported", "provisional", "suspect"], len(months), p=[0.9, 0.05, 0.05]),
            index=months,
        )
        if trial % 2:
            status.iloc[:24] = "reported"  # some windows complete, some not
        ms = complete_monthly(counts, status)
        usable = ms.status.isin(["reported", "suspect"])
        reported = usable.astype("float64")
        expected = (
            ms.counts.where(usable, 0.0)
            .rolling(12, min_periods=12)
            .sum()
            .where(reported.rolling(12, min_periods=12).sum() == 12)
        )
        got = rolling_12m_series(ms)
        assert np.array_equal(got.to_numpy(), expected.to_numpy(), equal_nan=True)
        assert got.index.equals(expected.index) and got.name == "r12"
    short = rolling_12m_series(complete_monthly(counts.iloc[:11], status.iloc[:11]))
    assert len(short) == 11 and short.isna().all()
    halves = rolling_12m_series(complete_monthly(counts.iloc[:24] + 0.5))
    assert halves.iloc[-1] == (counts.iloc[12:24] + 0.5).sum()


# --- D4 ------------------------------------------------------------------------------


def test_rate_for_calendar_2023_is_211_25() -> None:
    res = rate_per_100k(example_city(), start="2023-01", end="2023-12", population=POPULATION)
    assert res.values["rate_per_100k"] == pytest.approx(211.25)
    assert res.values["rate_per_100k_annualised"] == pytest.approx(211.25)


def test_rate_for_q1_2024_is_37_5_for_period_and_150_annualised() -> None:
    res = rate_per_100k(example_city(), start="2024-01", end="2024-03", population=POPULATION)
    assert res.values["rate_per_100k"] == pytest.approx(37.5)
    assert res.values["rate_per_100k_annualised"] == pytest.approx(150.0)


def test_rate_for_r12_to_march_2024_is_198_75() -> None:
    res = rate_per_100k(
        example_city(),
        start="2023-04",
        end="2024-03",
        population={2023: POPULATION, 2024: POPULATION},
        population_year=2023,
        population_source="Census estimate",
    )
    assert res.values["rate_per_100k_annualised"] == pytest.approx(198.75)
    assert res.values["population_source"] == "Census estimate"


def test_rate_is_null_when_population_year_is_missing() -> None:
    res = rate_per_100k(example_city(), start="2023-10", end="2024-03", population={2023: 1.0})
    assert res.status == "null" and res.reason == "population_missing"


def test_person_years_by_days_uses_365_25() -> None:
    py = person_years("2024-01", "2024-03", 80_000, method="days")
    assert py == pytest.approx(80_000 * 91 / 365.25)


# --- D5 ------------------------------------------------------------------------------


def test_march_yoy_matches_fixture_and_flags_small_numbers() -> None:
    res = yoy_change(example_city(), start="2024-03")
    v = res.values
    assert (v["current"], v["base"]) == (8, 16)
    assert v["pct_change"] == pytest.approx(-50.0)
    assert v["poisson_z"] == pytest.approx(-2.343, abs=5e-4)
    assert v["p_value"] == pytest.approx(0.152, abs=5e-4)
    assert "small_numbers" in res.flags


def test_yoy_touching_missing_month_is_null() -> None:
    res = yoy_change(example_city(drop=("2023-03",)), start="2024-03")
    assert res.status == "null" and res.missing == ["2023-03"]


# --- D6 ------------------------------------------------------------------------------


def test_compstat_windows_for_sunday_17_march_2024() -> None:
    w = compstat_date_windows(dt.date(2024, 3, 17))
    d = dt.date
    assert w["wtd"] == (
        type(w["wtd"][0])(d(2024, 3, 11), d(2024, 3, 17)),
        type(w["wtd"][0])(d(2023, 3, 13), d(2023, 3, 19)),
    )
    cur, base = w["d28"]
    assert (cur.start, cur.end) == (d(2024, 2, 19), d(2024, 3, 17))
    assert (base.start, base.end) == (d(2023, 2, 20), d(2023, 3, 19))
    cur, base = w["ytd"]
    assert (cur.days, base.days) == (77, 76)
    assert base.end == d(2023, 3, 17)


def test_compstat_ytd_on_leap_day_compares_with_28_february() -> None:
    _, base = compstat_date_windows(dt.date(2024, 2, 29))["ytd"]
    assert base.end == dt.date(2023, 2, 28)


def test_compstat_counts_incidents_in_each_window() -> None:
    dates = ["2024-03-11", "2024-03-17", "2024-03-10", "2023-03-13", "2023-03-20"]
    out = compstat_windows(dates, as_of=dt.date(2024, 3, 17))
    assert (out["wtd"].values["current"], out["wtd"].values["base"]) == (2, 1)
    # 2023-03-20 falls after the comparison YTD end (2023-03-17).
    assert (out["ytd"].values["current"], out["ytd"].values["base"]) == (3, 1)


def test_compstat_window_outside_coverage_is_null() -> None:
    out = compstat_windows([], as_of=dt.date(2024, 3, 17), coverage_start=dt.date(2024, 1, 1))
    assert out["wtd"].status == "null" and out["wtd"].reason == "outside_coverage"


# --- D7 and zero bases ---------------------------------------------------------------


@pytest.mark.parametrize(("current", "base"), [(25, 16), (9, 4)])
def test_poisson_z_fixtures_are_2(current: int, base: int) -> None:
    assert poisson_z(current, base) == pytest.approx(2.0)


def test_large_z_is_flagged() -> None:
    s = pd.Series([40, 100], index=pd.PeriodIndex(["2023-01", "2024-01"], freq="M"))
    s = s.reindex(pd.period_range("2023-01", "2024-01", freq="M"), fill_value=10)
    assert "poisson_z_ge_3" in yoy_change(s, start="2024-01").flags


def test_zero_base_up_gives_null_pct_and_exact_bounds() -> None:
    pc = percent_change(3, 0)
    assert pc.value is None and pc.reason == "zero_baseline_up"
    assert pc.text == "up from 0 to 3"
    rr = rate_ratio_exact(0, 3)
    assert rr.lower == pytest.approx(0.413, abs=5e-4)
    assert math.isinf(rr.upper)
    assert rr.p == pytest.approx(0.25)


def test_zero_both_gives_no_change_text() -> None:
    pc = percent_change(0, 0)
    assert pc.value is None and pc.reason == "zero_both"
    assert pc.text == "no change (0 → 0)"


def test_zero_percent_change_is_zero_not_null() -> None:
    assert percent_change(5, 5).value == 0.0


def test_result_envelope_round_trips_through_strict_json() -> None:
    s = pd.Series([0] * 15, index=pd.period_range("2023-01", "2024-03", freq="M"))
    s[pd.Period("2024-03", freq="M")] = 3
    res = yoy_change(s, start="2024-03")
    payload = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert payload["values"]["rr_ci_upper"] == "inf"
    assert payload["values"]["pct_change_reason"] == "zero_baseline_up"
    assert set(payload["package_versions"]) == {"numpy", "pandas", "scipy", "statsmodels"}


@pytest.mark.parametrize("conf", [0.95, 0.9])
def test_clopper_pearson_gives_scipys_exact_interval_to_the_last_bit(conf: float) -> None:
    """The rate ratio's CI skips scipy's per-call argument checking, not any of its arithmetic:
    every limit equals ``binomtest(...).proportion_ci(method="exact")`` exactly."""
    cases = [(k, n) for n in range(1, 40) for k in range(n + 1)]
    cases += [(0, 5000), (5000, 5000), (1, 100_000), (99_999, 100_000), (4_321, 9_876)]
    cases += [(k, 61_234) for k in (0, 17, 30_000, 61_233)]
    for k, n in cases:
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=conf, method="exact")
        assert clopper_pearson(k, n, conf) == (float(ci.low), float(ci.high)), (k, n)


def test_binomial_test_p_gives_scipys_minlike_p_to_the_last_bit() -> None:
    """The exact rate ratio's p follows ``binomtest`` step for step: equal p for every k, n
    and null proportion tried (equal exposures, unequal day counts, the mode itself)."""
    cases = [(k, n, p) for n in range(1, 30) for k in range(n + 1) for p in (0.5, 77 / 153, 0.3)]
    cases += [(k, 20_000, p) for k in (0, 1, 9_800, 10_000, 10_250, 19_999) for p in (0.5, 0.49)]
    cases += [(250, 1000, 0.25), (4_321, 9_876, 0.5), (61_000, 61_234, 0.9)]
    for k, n, p in cases:
        assert binomial_test_p(k, n, p) == float(stats.binomtest(k, n, p).pvalue), (k, n, p)


def test_compstat_counts_the_same_from_an_incident_frames_timestamps() -> None:
    """The engine passes the incident frame's datetime64 column (times of day included); the
    windows count whole days exactly as for a list of dates."""
    stamps = ["2024-03-11 23:59", "2024-03-17 00:00", "2024-03-10 12:00", "2023-03-13 08:00"]
    stamps += ["2023-03-20 01:00", "2023-03-19 23:00", "2024-02-19 00:30", "2023-02-20 10:00"]
    series = pd.Series(pd.to_datetime(stamps))
    as_of = dt.date(2024, 3, 17)
    from_frame = compstat_windows(series, as_of=as_of)
    from_dates = compstat_windows([s[:10] for s in stamps], as_of=as_of)
    for name in ("wtd", "d28", "ytd"):
        assert from_frame[name].values == from_dates[name].values
    assert (from_frame["wtd"].values["current"], from_frame["wtd"].values["base"]) == (2, 2)
