"""The engine computes every metric of a site from its stored data and stores the envelopes."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.engine.fingerprint import inputs_fingerprint
from metrics.models import MetricResult, MonthlyCount, StructuralBreak
from metrics.services.runs import metrics_compute_site
from tests.factories import SiteFactory
from tests.metrics.engine.factories import (
    add_incidents,
    add_monthly,
    add_violent_components,
    incident_upload,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 6, 1)


def result(site, metric, offense="", **params):
    qs = MetricResult.objects.filter(site=site, metric=metric, offense=offense)
    for key, value in params.items():
        qs = qs.filter(**{f"params__{key}": value})
    found = list(qs)
    assert len(found) == 1, (metric, offense, params, [r.params for r in found])
    return found[0]


def test_every_result_carries_its_envelope(engaged_site):
    metrics_compute_site(site=engaged_site, today=TODAY)
    results = list(MetricResult.objects.filter(site=engaged_site))
    metrics = {r.metric for r in results}
    assert {
        "monthly_count",
        "ytd_change",
        "rolling_12m",
        "rate_per_100k",
        "yoy_change",
        "prepost_rate_ratio",
        "its_segmented",
        "headline",
        "data_quality",
    } <= metrics
    fingerprint = inputs_fingerprint(engaged_site, today=TODAY)
    for r in results:
        assert r.inputs_fingerprint == fingerprint
        assert r.computed_at is not None
        assert set(r.package_versions) == {"numpy", "pandas", "scipy", "statsmodels"}
        assert r.status in ("ok", "null")
        if r.status == "null":
            assert r.reason
    assert result(engaged_site, "monthly_count", "violent_crime").data_through == dt.date(
        2023, 12, 1
    )


def test_same_inputs_write_no_new_rows_and_changed_inputs_rewrite(engaged_site):
    first = metrics_compute_site(site=engaged_site, today=TODAY)
    ids = set(MetricResult.objects.values_list("id", flat=True))
    again = metrics_compute_site(site=engaged_site, today=TODAY)
    assert (first.outcome, again.outcome) == ("written", "unchanged")
    assert set(MetricResult.objects.values_list("id", flat=True)) == ids
    MonthlyCount.objects.filter(site=engaged_site, month=dt.date(2023, 12, 1)).update(count=0)
    assert inputs_fingerprint(engaged_site, today=TODAY) != first.fingerprint
    third = metrics_compute_site(site=engaged_site, today=TODAY)
    assert third.outcome == "written"
    assert MetricResult.objects.filter(site=engaged_site).count() == first.results


def test_ytd_rolling_and_prepost_match_hand_counts(db, pm):
    site = SiteFactory(population=80_000, engagement_start=dt.date(2024, 1, 1))
    # docs/metrics.md §2 "Example City": 2023 Jan–Dec then 2024 Jan–Mar.
    counts_2023 = [15, 9, 16, 14, 13, 17, 20, 18, 12, 11, 10, 14]
    # A 5 in 2022 keeps March 2024 (8) from being the series minimum (DQ4 provisional).
    add_monthly(site, "robbery", "2022-01", [14] * 11 + [5] + counts_2023 + [10, 12, 8])
    metrics_compute_site(site=site, today=TODAY)
    ytd = result(site, "ytd_change", "robbery").value
    assert (ytd["as_of"], ytd["ytd"], ytd["prev_ytd"]) == ("2024-03", 30, 40)
    assert ytd["pct_change"] == pytest.approx(-25.0)
    assert ytd["poisson_z"] == pytest.approx(-1.695, abs=1e-3)
    assert ytd["p_exact"] == pytest.approx(0.282, abs=1e-3)
    assert (ytd["rr_ci_low"], ytd["rr_ci_high"]) == (
        pytest.approx(0.451, abs=1e-3),
        pytest.approx(1.235, abs=1e-3),
    )
    r12 = {p["month"]: p for p in result(site, "rolling_12m", "robbery").value["series"]}
    assert r12["2023-12"]["r12"] == 169
    assert r12["2024-03"]["r12"] == 159
    assert r12["2024-03"]["rate_per_100k"] == pytest.approx(198.75)
    rate = result(site, "rate_per_100k", "robbery").value
    assert {p["year"]: p["rate_per_100k"] for p in rate["series"]}[2023] == pytest.approx(211.25)
    assert rate["population_year"] == 2020


def test_a_missing_month_is_missing_not_zero_and_nulls_windows_touching_it(db):
    site = SiteFactory(population=80_000, engagement_start=dt.date(2024, 1, 1))
    counts = [14] * 11 + [5] + [15, 9, 16, 14, 13, None, 20, 18, 12, 11, 10, 14] + [10, 12, 8]
    add_monthly(site, "robbery", "2022-01", counts)
    metrics_compute_site(site=site, today=TODAY)
    series = {p["month"]: p for p in result(site, "monthly_count", "robbery").value["series"]}
    assert series["2023-06"] == {"month": "2023-06", "count": None, "status": "missing"}
    r12 = result(site, "rolling_12m", "robbery")
    assert {p["month"]: p["r12"] for p in r12.value["series"]}["2024-03"] is None
    assert r12.status == "null" and r12.reason == "missing_months"
    assert r12.value["missing"] == ["2023-06"]


def test_violent_crime_is_null_when_a_component_is_missing(db):
    site = SiteFactory(population=80_000, engagement_start=dt.date(2022, 1, 1))
    for code in ("homicide", "rape", "robbery"):
        add_monthly(site, code, "2020-01", [5] * 48)
    add_monthly(site, "aggravated_assault", "2020-01", [5] * 30 + [None] + [5] * 17)
    metrics_compute_site(site=site, today=TODAY)
    series = result(site, "monthly_count", "violent_crime").value["series"]
    by_month = {p["month"]: p for p in series}
    assert by_month["2022-07"]["status"] == "missing"
    assert by_month["2022-06"]["count"] == 20
    pp = result(site, "prepost_rate_ratio", "violent_crime", window_months=24)
    assert (pp.status, pp.reason) == ("null", "missing_months")


def test_post_window_incomplete_is_a_null_with_its_reason(db):
    site = SiteFactory(population=80_000, engagement_start=dt.date(2023, 6, 1))
    add_monthly(site, "homicide", "2020-01", [3] * 48)
    metrics_compute_site(site=site, today=TODAY)
    pp = result(site, "prepost_rate_ratio", "homicide", window_months=24)
    assert (pp.status, pp.reason) == ("null", "post_window_incomplete")
    head = result(site, "headline", "homicide")
    assert head.status == "null"
    assert "not complete yet" in head.value["sentence"]


def test_small_counts_headline_says_too_few_events(db):
    site = SiteFactory(population=22_069, engagement_start=dt.date(2021, 1, 1))
    add_monthly(site, "homicide", "2019-01", [0, 1, 0, 0, 1, 0] * 8)
    metrics_compute_site(site=site, today=TODAY)
    head = result(site, "headline", "homicide")
    assert head.value["too_few_events"] is True
    assert head.value["sentence"] == "Too few events to assess change reliably."
    assert "homicides went from" in head.value["detail"].lower()


def test_large_drop_gives_the_significant_sentence_with_counts_and_caution(db):
    site = SiteFactory(population=500_000, engagement_start=dt.date(2019, 6, 1))
    pre = [9, 8, 8, 9, 8, 8] * 4  # 200 in 24 months
    post = [3, 4, 3, 3, 4, 3] * 4 + [0] * 0  # 80 → adjust to 78 below
    post[0], post[1] = 2, 3
    add_monthly(site, "homicide", "2017-06", pre + post)
    metrics_compute_site(site=site, today=TODAY)
    pp = result(site, "prepost_rate_ratio", "homicide", window_months=24).value
    assert (pp["c_pre"], pp["c_post"]) == (200, 78)
    assert pp["rr"] == pytest.approx(0.390)
    assert pp["ci_exact_low"] == pytest.approx(0.296, abs=1e-3)
    assert pp["ci_exact_high"] == pytest.approx(0.509, abs=1e-3)
    assert pp["significant"] is True
    head = result(site, "headline", "homicide").value
    assert head["sentence"].startswith("Homicides fell 61%")
    # §7.5: the caution goes with the headline once, on its own, not inside the sentence.
    assert "(200 → 78)" in head["sentence"] and "Caution:" not in head["sentence"]
    assert head["caution"].startswith("Caution:") and "Caution:" in pp["sentence"]


def test_incident_offense_counts_zero_inside_coverage_and_missing_outside(db):
    site = SiteFactory(population=100_000, engagement_start=dt.date(2016, 1, 1))
    up = incident_upload(site, dt.date(2014, 1, 1), dt.date(2015, 12, 1))
    add_incidents(
        site,
        [
            ("a", dt.date(2015, 1, 5), "nonfatal_shooting_incidents", None, None),
            ("b", dt.date(2015, 3, 9), "nonfatal_shooting_incidents", None, None),
            ("c", dt.date(2014, 12, 20), "nonfatal_shooting_incidents", None, None),
        ],
        upload=up,
    )
    metrics_compute_site(site=site, today=TODAY)
    mc = result(site, "monthly_count", "nonfatal_shooting_incidents", source="incidents")
    by_month = {p["month"]: p for p in mc.value["series"]}
    assert by_month["2015-02"] == {"month": "2015-02", "count": 0, "status": "reported"}
    assert mc.value["last"] == "2015-12"
    comp = result(site, "compstat_windows", "nonfatal_shooting_incidents").value
    assert comp["as_of"] == "2015-12-31"
    assert (comp["ytd"]["current"], comp["ytd"]["base"]) == (2, 1)
    assert (comp["d28"]["current"], comp["d28"]["base"]) == (0, 1)
    assert mc.value["first"] == "2014-01"


def test_structural_break_flags_windows_straddling_it(engaged_site):
    StructuralBreak.objects.create(
        site=engaged_site, month=dt.date(2023, 3, 1), description="NIBRS"
    )
    metrics_compute_site(site=engaged_site, today=TODAY)
    assert "break_in_window" in result(engaged_site, "ytd_change", "robbery").flags
    pp = result(engaged_site, "prepost_rate_ratio", "robbery", window_months=24)
    assert "break_in_window" not in pp.flags  # 2018–2021 does not straddle 2023
    dq = result(engaged_site, "data_quality")
    assert dq.value["breaks"] == ["2023-03"]


def test_latest_months_inside_the_reporting_lag_stay_out_of_headlines(engaged_site):
    metrics_compute_site(site=engaged_site, today=dt.date(2024, 1, 15))
    series = result(engaged_site, "monthly_count", "robbery").value["series"]
    assert {p["month"]: p["status"] for p in series}["2023-12"] == "provisional"
    assert result(engaged_site, "ytd_change", "robbery").value["as_of"] == "2023-10"


def test_spatial_metrics_for_geocoded_incidents(db):
    import numpy as np

    site = SiteFactory(latitude=37.69, longitude=-97.33, engagement_start=dt.date(2015, 6, 1))
    up = incident_upload(site, dt.date(2014, 1, 1), dt.date(2015, 12, 1))
    rng = np.random.default_rng(3)
    rows = []
    for i in range(3000):
        hot = i % 2 == 0
        lat = 37.69 + (rng.normal(0, 0.001) if hot else rng.uniform(-0.05, 0.05))
        lon = -97.33 + (rng.normal(0, 0.001) if hot else rng.uniform(-0.05, 0.05))
        day = dt.date(2014, 1, 1) + dt.timedelta(days=int(rng.integers(0, 730)))
        rows.append((str(i), day, "shots_fired", lat, lon))
    add_incidents(site, rows, upload=up)
    metrics_compute_site(site=site, today=TODAY)
    # §7.1–§7.2 (replacing §4's fixed 150 m grid and BH significance): an adaptive grid over
    # the study area, judged against random placement of the same incidents.
    conc = result(site, "concentration").value
    n = conc["n_incidents"]
    assert n > 100
    assert conc["study_area_cells"] <= max(400, n // 2) and conc["cell_m"] >= 150
    assert conc["share_top5"] > conc["share_top5_random"]
    assert conc["gini_generalized"] > conc["null_high"] and conc["excess_over_null"] > 0
    assert 0 < conc["pct_units_50"] < 50
    hot = result(site, "gistar_hotspots").value
    assert hot["n_hot"] >= 1 and hot["pct_incidents_in_hot"] > 20
    assert hot["incidents_in_hot_areas"] >= hot["incidents_in_hot"] > 0
    assert hot["null_hot_p95"] <= 1 and hot["null_hot_mean"] < 1
    assert hot["permutations"] == 199 and hot["cell_m"] == conc["cell_m"]
    stability = result(site, "hot_spot_stability")
    assert stability.status == "ok"
    assert stability.value["periods"] == ["2014-01 – 2014-12", "2015-01 – 2015-12"]
    knox = result(site, "near_repeat").value
    assert knox["permutations"] == 99 and knox["seed"] is not None


@pytest.mark.parametrize("years", [4, 10])
def test_compute_reads_a_constant_number_of_queries(db, django_assert_max_num_queries, years):
    site = SiteFactory(population=80_000, engagement_start=dt.date(2020, 1, 1))
    add_violent_components(
        site,
        "2014-01",
        12 * years,
        {"homicide": 2, "rape": 4, "robbery": 10, "aggravated_assault": 20},
    )
    with django_assert_max_num_queries(25):
        metrics_compute_site(site=site, today=TODAY)


def test_hot_spot_stability_compares_only_equal_twelve_month_periods(db):
    """§7.2: coverage Apr 2014 – Dec 2015 holds one 12-month period ending Dec 2015; the one
    before it would start in Jan 2014, before the coverage, so there is nothing to compare (v1
    compared the nine months of 2014 with the whole of 2015)."""
    import numpy as np

    site = SiteFactory(latitude=37.69, longitude=-97.33)
    up = incident_upload(site, dt.date(2014, 4, 1), dt.date(2015, 12, 1))
    rng = np.random.default_rng(5)
    rows = [
        (
            str(i),
            dt.date(2014, 4, 1) + dt.timedelta(days=int(rng.integers(0, 640))),
            "shots_fired",
            37.69 + rng.normal(0, 0.01),
            -97.33 + rng.normal(0, 0.01),
        )
        for i in range(400)
    ]
    add_incidents(site, rows, upload=up)
    metrics_compute_site(site=site, today=TODAY)
    stability = result(site, "hot_spot_stability")
    assert stability.status == "null" and stability.reason == "fewer_than_two_periods"
    assert result(site, "concentration").status == "ok"


def monthly_incidents(site, upload, counts_by_month, code="fatal_shooting_incidents"):
    """``counts_by_month``: {first day of month: n}; incidents spread over days 1–28."""
    rows = []
    for month, n in counts_by_month.items():
        rows += [
            (f"{month:%Y%m}-{i}", month.replace(day=1 + i % 28), code, None, None) for i in range(n)
        ]
    add_incidents(site, rows, upload=upload)


def months_from(start: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@pytest.mark.parametrize("inferred", [True, False])
def test_incident_coverage_must_be_declared_for_a_pre_post_headline(db, inferred):
    site = SiteFactory(population=200_000, engagement_start=dt.date(2016, 1, 1))
    up = incident_upload(site, dt.date(2014, 1, 1), dt.date(2017, 12, 1), inferred=inferred)
    monthly_incidents(site, up, {m: 6 + m.month % 3 for m in months_from(dt.date(2014, 1, 1), 48)})
    metrics_compute_site(site=site, today=TODAY)
    shown = result(site, "monthly_count", "fatal_shooting_incidents", source="incidents")
    assert shown.status == "ok" and shown.value["first"] == "2014-01"  # the series is shown
    pp = result(site, "prepost_rate_ratio", "fatal_shooting_incidents", window_months=24)
    head = result(site, "headline", "fatal_shooting_incidents")
    if inferred:
        assert (pp.status, pp.reason) == ("null", "coverage_undeclared")
        assert (head.status, head.reason) == ("null", "coverage_undeclared")
        assert "coverage was not declared" in head.value["sentence"]
    else:
        assert pp.status == "ok" and head.status == "ok"
        assert head.value["offense_label"] == "Fatal shootings"


def test_incident_series_get_the_data_quality_rules_and_a_source_ramp_break(db):
    from metrics.models import DataQualityFlag
    from metrics.services.quality import quality_check_site

    site = SiteFactory(population=500_000, engagement_start=dt.date(2016, 1, 1))
    up = incident_upload(site, dt.date(2014, 1, 1), dt.date(2017, 12, 1))
    counts = {m: 30 for m in months_from(dt.date(2014, 1, 1), 48)}
    for m in months_from(dt.date(2014, 1, 1), 4):
        counts[m] = 4  # the source's first four months: a ramp-up
    counts[dt.date(2015, 6, 1)] = 120  # a month far above expectation
    monthly_incidents(site, up, counts, code="nonfatal_shooting_incidents")
    quality_check_site(site=site, upload=up)
    flags = {
        (f.rule, f.scope, f"{f.month:%Y-%m}")
        for f in DataQualityFlag.objects.filter(site=site, month__isnull=False)
    }
    assert ("DQ3", "nonfatal_shooting_incidents", "2015-06") in flags
    assert ("DQ5", "incident coverage", "2014-05") in flags
    metrics_compute_site(site=site, today=TODAY)
    pp = result(site, "prepost_rate_ratio", "nonfatal_shooting_incidents", window_months=24)
    assert pp.status == "ok" and "break_in_window" in pp.flags
    # The flagged month stays in; the sensitivity estimate leaves it out.
    assert pp.value["c_pre"] == 4 * 4 + 30 * 19 + 120
    sens = pp.value["sensitivity"]
    assert sens["excluded_months"] == ["2015-06"]
    assert sens["c_pre"] == 4 * 4 + 30 * 19 and sens["c_post"] == pp.value["c_post"]
    head = result(site, "headline", "nonfatal_shooting_incidents").value
    assert head["sensitivity_sentence"].startswith("Without the 1 flagged month: ")
