"""§1 series conventions, violent-crime derivation and DQ1–DQ9 (docs/metrics.md §5)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from metrics.compute import (
    apply_status_flags,
    check_window,
    complete_monthly,
    derive_violent,
    dq1_missing_months,
    dq2_all_offenses_zero,
    dq2_implausible_zero,
    dq3_outliers,
    dq4_provisional,
    dq5_structural_break,
    dq6_revisions,
    dq7_consistency,
    dq8_population,
    dq9_incident_hygiene,
    incident_monthly_counts,
    ytd_change,
)
from metrics.compute.quality import poisson_tail_p


def months(start: str, values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


# --- series -------------------------------------------------------------------------


def test_gap_month_is_reindexed_as_missing_with_nan_count() -> None:
    ms = complete_monthly(months("2023-01", [1, 2, 3]).drop(pd.Period("2023-02", freq="M")))
    assert list(ms.status) == ["reported", "missing", "reported"]
    assert np.isnan(ms.counts[pd.Period("2023-02", freq="M")])


def test_string_month_index_is_accepted() -> None:
    ms = complete_monthly(pd.Series([4, 5], index=["2023-01", "2023-03"]))
    assert len(ms.counts) == 3 and ms.status.iloc[1] == "missing"


def test_negative_counts_are_rejected() -> None:
    with pytest.raises(ValueError):
        complete_monthly(months("2023-01", [1, -1]))


def test_incident_series_has_true_zeros_inside_coverage() -> None:
    ms = incident_monthly_counts(
        ["2023-01-05", "2023-03-02", "2023-03-09"], coverage_start="2023-01", coverage_end="2023-04"
    )
    assert list(ms.counts) == [1.0, 0.0, 2.0, 0.0]
    assert set(ms.status) == {"reported"}


def test_window_with_provisional_month_is_not_headline_ready() -> None:
    s = months("2023-01", [1, 2, 3])
    st = pd.Series(["reported", "reported", "provisional"], index=s.index, dtype=object)
    chk = check_window(complete_monthly(s, st), "2023-01", "2023-03")
    assert not chk.ok and chk.reason == "provisional_months"


def components() -> pd.DataFrame:
    idx = pd.period_range("2023-01", periods=3, freq="M")
    return pd.DataFrame(
        {
            "homicide": [1, 0, 2],
            "rape": [3, 2, np.nan],
            "robbery": [10, 12, 9],
            "aggravated_assault": [20, 18, 25],
        },
        index=idx,
    )


def test_violent_crime_sums_all_four_components() -> None:
    ms = derive_violent(components())
    assert ms.counts.iloc[0] == 34 and ms.counts.iloc[1] == 32


def test_violent_crime_is_null_when_a_component_is_missing() -> None:
    ms = derive_violent(components())
    assert np.isnan(ms.counts.iloc[2])  # not 36, the missing-as-zero sum
    assert ms.status.iloc[2] == "missing"
    assert ms.reason is not None and ms.reason.iloc[2] == "component_missing"


# --- DQ rules ------------------------------------------------------------------------


def test_dq1_lists_missing_months() -> None:
    ms = complete_monthly(months("2023-01", [1, 2, 3]).drop(pd.Period("2023-02", freq="M")))
    assert [f.key for f in dq1_missing_months(ms)] == ["2023-02"]


def test_dq2_zero_after_two_years_at_20_is_suspect() -> None:
    # §7.3: expected 20 (φ floored at 1, and the fitted mean's own uncertainty) → P(0) ≈ 1e-7.
    ms = complete_monthly(months("2023-01", [20] * 24 + [0]))
    flags = dq2_implausible_zero(ms)
    assert [(f.key, f.effect) for f in flags] == [("2025-01", "suspect")]


def test_dq2_zero_after_a_year_at_7_is_plausible_under_section_7_3() -> None:
    # The §5 rule flagged this; one year of history leaves the expectation too uncertain.
    assert dq2_implausible_zero(complete_monthly(months("2023-01", [7] * 12 + [0]))) == []


def test_dq2_every_offense_zero_is_suspect() -> None:
    df = pd.DataFrame(
        {"a": [1, 0], "b": [0, 0]}, index=pd.period_range("2023-01", periods=2, freq="M")
    )
    assert [f.key for f in dq2_all_offenses_zero(df)] == ["2023-02"]


def test_dq3_tail_probability_fixture() -> None:
    assert poisson_tail_p(3, 14.08) == pytest.approx(0.00044, abs=5e-6)


def test_dq3_high_spike_after_two_years_is_an_outlier() -> None:
    flags = dq3_outliers(complete_monthly(months("2023-01", [10] * 24 + [30])))
    assert [f.key for f in flags] == ["2025-01"]


def test_dq4_months_inside_two_month_lag_are_provisional() -> None:
    ms = complete_monthly(months("2023-01", [10] * 17))  # through 2024-05
    keys = [f.key for f in dq4_provisional(ms, as_of=dt.date(2024, 5, 15))]
    assert keys == ["2024-03", "2024-04", "2024-05"]


def test_applied_provisional_status_drops_month_from_ytd() -> None:
    ms = complete_monthly(months("2023-01", [10] * 15))
    ms = apply_status_flags(ms, dq4_provisional(ms, as_of=dt.date(2024, 4, 10)))
    assert ytd_change(ms).as_of == "2024-01"


def test_dq5_window_straddling_break_is_flagged() -> None:
    assert [f.key for f in dq5_structural_break("2023-01", "2024-03", ["2024-01"])] == ["2024-01"]
    assert dq5_structural_break("2024-01", "2024-03", ["2024-01"]) == []
    s = months("2023-01", [10] * 15)
    assert "break_in_window" in ytd_change(s, breaks=["2024-02"]).flags


def test_dq6_revision_over_five_percent_is_badged() -> None:
    idx = pd.PeriodIndex(["2023-01", "2023-02", "2023-03"], freq="M")
    first = pd.Series([100, 100, 0], index=idx)
    now = pd.Series([106, 104, 1], index=idx)
    assert [f.key for f in dq6_revisions(first, now)] == ["2023-01", "2023-03"]


def test_dq7_consistency_rules() -> None:
    idx = pd.period_range("2023-01", periods=3, freq="M")
    df = pd.DataFrame(
        {
            "violent": [34, 30, 5],
            "homicide": [1, 1, 6],
            "rape": [3, 3, 0],
            "robbery": [10, 10, -1],
            "aggravated_assault": [20, 20, 0],
        },
        index=idx,
    )
    flags = {(f.key, f.effect) for f in dq7_consistency(df)}
    assert flags == {("2023-02", "suspect"), ("2023-03", "reject")}
    df.loc[idx[2], "robbery"] = 0
    df.loc[idx[2], "violent"] = 6
    df.loc[idx[2], "homicide"] = 7
    assert ("2023-03", "suspect") in {(f.key, f.effect) for f in dq7_consistency(df)}


def test_dq8_population_missing_and_jump() -> None:
    flags = dq8_population({2021: 100_000, 2022: 111_000, 2023: 112_000}, [2022, 2023, 2024])
    assert {(f.key, f.message[:13]) for f in flags} == {
        ("2024", "No population"),
        ("2022", "Population ju"),
    }


def test_dq9_incident_hygiene() -> None:
    n = 200
    lat = np.linspace(37.60, 37.75, n)
    lon = np.linspace(-97.40, -97.25, n)
    df = pd.DataFrame({"incident_id": range(n), "latitude": lat, "longitude": lon})
    df.loc[0:4, ["latitude", "longitude"]] = (37.6872, -97.3301)  # 5 on one point = 2.5%
    df.loc[5:15, ["latitude", "longitude"]] = np.nan  # 11 ungeocoded = 94.5% geocoded
    df.loc[16, ["latitude", "longitude"]] = (40.0, -97.3)  # ~255 km away
    df.loc[17, "incident_id"] = 18  # duplicate id
    res = dq9_incident_hygiene(df)
    keys = {f.key for f in res.flags}
    assert {"18", "geocoding", "37.6872,-97.3301", "far_points"} <= keys
    assert not res.spatial_ok[0:17].any()
    assert res.spatial_ok[18:].all()
