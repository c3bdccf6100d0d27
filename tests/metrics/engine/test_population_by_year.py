"""Rates use the population of their year (docs/metrics.md §7.6): between entries the nearest
earlier year's, before the first entry the first's; a year of data without its own entry is a
DQ8 warning. Every expected figure is worked out by hand in the test."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.compute.population import population_of_year
from metrics.models import DataQualityFlag
from metrics.services.quality import quality_check_site
from metrics.services.runs import metrics_compute_site
from sites.models import SitePopulation
from tests.factories import SiteFactory
from tests.metrics.engine.factories import add_monthly
from tests.metrics.engine.test_compute_site import result

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 6, 1)


@pytest.fixture
def site(db):
    site = SiteFactory(
        population=100_000, population_year=2020, engagement_start=dt.date(2022, 1, 1)
    )
    SitePopulation.objects.create(site=site, year=2020, population=100_000, source="Census 2020")
    SitePopulation.objects.create(site=site, year=2022, population=120_000, source="ACS 2022")
    # Robberies a month: 10 in 2019–2021, 13 in 2022, 15 in 2023.
    add_monthly(site, "robbery", "2019-01", [10] * 36 + [13] * 12 + [15] * 12)
    metrics_compute_site(site=site, today=TODAY)
    return site


def test_the_rule_picks_the_year_the_nearest_earlier_year_or_the_first():
    rows = [(2020, 100, "a"), (2022, 120, "b")]
    assert [population_of_year(rows, y) for y in (2018, 2020, 2021, 2022, 2030)] == [
        (2020, 100, "a"),
        (2020, 100, "a"),
        (2020, 100, "a"),
        (2022, 120, "b"),
        (2022, 120, "b"),
    ]
    assert population_of_year([], 2020) is None


def test_yearly_rates_use_each_years_population(site):
    rate = result(site, "rate_per_100k", "robbery").value
    got = {p["year"]: (p["rate_per_100k"], p["population_year"]) for p in rate["series"]}
    # 120 / 100,000; 156 / 120,000; 180 / 120,000 (× 100,000)
    assert got == {
        2019: (pytest.approx(120.0), 2020),
        2020: (pytest.approx(120.0), 2020),
        2021: (pytest.approx(120.0), 2020),
        2022: (pytest.approx(130.0), 2022),
        2023: (pytest.approx(150.0), 2022),
    }
    assert (rate["population"], rate["population_year"], rate["population_source"]) == (
        120_000,
        2022,
        "ACS 2022",
    )
    assert "population_single_year" not in result(site, "rate_per_100k", "robbery").flags


def test_rolling_rates_weight_each_month_by_its_years_population(site):
    r12 = {p["month"]: p for p in result(site, "rolling_12m", "robbery").value["series"]}
    # Jul 2021–Jun 2022: 6 × 10 + 6 × 13 = 138 over 6 × 100,000/12 + 6 × 120,000/12 = 110,000
    # person-years.
    assert r12["2022-06"]["r12"] == 138
    assert r12["2022-06"]["rate_per_100k"] == pytest.approx(1e5 * 138 / 110_000)
    assert r12["2022-06"]["population_years"] == [2020, 2022]
    assert r12["2021-12"]["rate_per_100k"] == pytest.approx(120.0)
    assert r12["2021-12"]["population_years"] == [2020]


def test_the_pre_post_ratio_uses_each_windows_population(site):
    pp = result(site, "prepost_rate_ratio", "robbery", window_months=12).value
    # Pre 2021: 120 over 100,000 person-years; post 2022: 156 over 120,000.
    assert (pp["c_pre"], pp["c_post"]) == (120, 156)
    assert pp["e_pre"] == pytest.approx(100_000)
    assert pp["e_post"] == pytest.approx(120_000)
    assert pp["rr"] == pytest.approx((156 / 120_000) / (120 / 100_000))


def test_each_year_of_data_without_its_own_population_is_a_dq8_warning(site):
    quality_check_site(site=site, as_of=TODAY)
    flags = DataQualityFlag.objects.filter(site=site, rule="DQ8").order_by("key")
    assert [(f.key, f.scope, f.detail) for f in flags] == [
        ("2019", "population", "No population for 2019: its rates use 2020's."),
        ("2021", "population", "No population for 2021: its rates use 2020's."),
        ("2023", "population", "No population for 2023: its rates use 2022's."),
    ]


def test_a_population_for_every_year_raises_no_dq8(db):
    site = SiteFactory(population=100_000, population_year=2021)
    for year, pop in ((2021, 100_000), (2022, 104_000), (2023, 109_000)):
        SitePopulation.objects.create(site=site, year=year, population=pop)
    add_monthly(site, "robbery", "2021-01", [10] * 36)
    quality_check_site(site=site, as_of=TODAY)
    assert not DataQualityFlag.objects.filter(site=site, rule="DQ8").exists()


def test_a_jump_of_more_than_ten_percent_is_a_dq8_warning(db):
    site = SiteFactory(population=100_000, population_year=2021)
    SitePopulation.objects.create(site=site, year=2021, population=100_000)
    SitePopulation.objects.create(site=site, year=2022, population=111_000)  # +11%
    add_monthly(site, "robbery", "2021-01", [10] * 24)
    quality_check_site(site=site, as_of=TODAY)
    assert list(
        DataQualityFlag.objects.filter(site=site, rule="DQ8").values_list("key", "detail")
    ) == [("2022", "Population jumps over 10% from 2021 to 2022.")]


def test_the_data_page_shows_the_missing_population_years(site, client_for, admin):
    from django.urls import reverse

    quality_check_site(site=site, as_of=TODAY)
    page = client_for(admin).get(reverse("metrics:data", args=[site.slug])).content.decode()
    assert "No population for 2021: its rates use 2020" in page
