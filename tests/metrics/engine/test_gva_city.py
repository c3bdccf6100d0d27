"""Correctness on real data (acceptance 6): Milwaukee's GVA incidents imported through the
intake, metrics computed by the engine, figures checked against an independent computation
written here with plain pandas and scipy (nothing imported from metrics.compute).

Incident data: Gun Violence Archive (gunviolencearchive.org).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from django.core.files.base import ContentFile
from scipy import stats

from metrics import services as intake
from metrics.models import MetricResult, UploadKind
from metrics.services.runs import metrics_compute_site
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

GVA = (
    Path(__file__).resolve().parents[3] / "psp" / "demo" / "demo_data" / "gva_incidents_sample.csv"
)
POPULATION = 577_222
START = pd.Period("2016-04", freq="M")
TODAY = dt.date(2024, 6, 1)


@pytest.fixture
def milwaukee_gva() -> pd.DataFrame:
    frame = pd.read_csv(GVA)
    return frame[(frame["state"] == "Wisconsin") & (frame["city_or_county"] == "Milwaukee")]


def independent_monthly(frame: pd.DataFrame) -> pd.Series:
    """Nonfatal shootings per month, Jan 2014 – Mar 2018, zeros included (plain pandas)."""
    nonfatal = frame[(frame["n_killed"] == 0) & (frame["n_injured"] > 0)]
    months = pd.to_datetime(nonfatal["date"]).dt.to_period("M")
    full = pd.period_range("2014-01", "2018-03", freq="M")
    return months.value_counts().reindex(full, fill_value=0).sort_index()


@pytest.fixture
def computed(admin, milwaukee_gva):
    site = SiteFactory(
        name="Milwaukee",
        slug="milwaukee-test",
        state="WI",
        population=POPULATION,
        engagement_start=dt.date(2016, 4, 1),
        latitude=43.0389,
        longitude=-87.9065,
    )
    upload = intake.upload_receive(
        site=site,
        kind=UploadKind.INCIDENTS,
        file=ContentFile(milwaukee_gva.to_csv(index=False).encode(), name="gva-milwaukee.csv"),
        acting_user=admin,
        preset="gva",
        coverage_start=dt.date(2014, 1, 1),
        coverage_end=dt.date(2018, 3, 1),
    )
    assert upload.status == "validated", upload.errors[:3]
    intake.upload_import_now(upload=upload, acting_user=admin)
    metrics_compute_site(site=site, today=TODAY, force=True)
    return site


def get(site, metric, **params):
    qs = MetricResult.objects.filter(
        site=site, metric=metric, offense="nonfatal_shooting_incidents"
    )
    for k, v in params.items():
        qs = qs.filter(**{f"params__{k}": v})
    return qs.get()


def test_monthly_counts_match_the_raw_file(computed, milwaukee_gva):
    expected = independent_monthly(milwaukee_gva)
    series = get(computed, "monthly_count").value["series"]
    got = pd.Series({p["month"]: p["count"] for p in series})
    assert got.to_dict() == {str(k): int(v) for k, v in expected.items()}


def test_ytd_matches_an_independent_computation(computed, milwaukee_gva):
    m = independent_monthly(milwaukee_gva)
    value = get(computed, "ytd_change").value
    as_of = pd.Period(value["as_of"], freq="M")
    assert as_of in (pd.Period("2018-03", freq="M"), pd.Period("2018-02", freq="M"))
    ytd = int(m[pd.Period(f"{as_of.year}-01", freq="M") : as_of].sum())
    prev = int(m[pd.Period(f"{as_of.year - 1}-01", freq="M") : as_of - 12].sum())
    assert (value["ytd"], value["prev_ytd"]) == (ytd, prev)
    assert value["pct_change"] == pytest.approx(100 * (ytd - prev) / prev)
    assert value["poisson_z"] == pytest.approx(2 * (ytd**0.5 - prev**0.5))
    test = stats.binomtest(ytd, ytd + prev, 0.5)
    ci = test.proportion_ci(method="exact")
    assert value["p_exact"] == pytest.approx(test.pvalue)
    assert value["rr_ci_low"] == pytest.approx(ci.low / (1 - ci.low))
    assert value["rr_ci_high"] == pytest.approx(ci.high / (1 - ci.high))


def test_rolling_12_months_and_rates_match(computed, milwaukee_gva):
    m = independent_monthly(milwaukee_gva)
    r12 = m.rolling(12).sum()
    series = {p["month"]: p for p in get(computed, "rolling_12m").value["series"]}
    for month in ("2014-12", "2016-06", "2018-03"):
        expected = int(r12[pd.Period(month, freq="M")])
        assert series[month]["r12"] == expected
        assert series[month]["rate_per_100k"] == pytest.approx(1e5 * expected / POPULATION)
    assert series["2014-11"]["r12"] is None  # fewer than 12 months of data before it


@pytest.mark.parametrize("n", [12, 24])
def test_prepost_matches_an_independent_computation(computed, milwaukee_gva, n):
    m = independent_monthly(milwaukee_gva)
    c_pre = int(m[START - n : START - 1].sum())
    c_post = int(m[START : START + n - 1].sum())
    value = get(computed, "prepost_rate_ratio", window_months=n).value
    assert (value["c_pre"], value["c_post"]) == (c_pre, c_post)
    assert value["e_pre"] == pytest.approx(POPULATION * n / 12)
    assert value["rr"] == pytest.approx(c_post / c_pre)
    test = stats.binomtest(c_post, c_pre + c_post, 0.5)
    ci = test.proportion_ci(method="exact")
    assert value["p_exact"] == pytest.approx(test.pvalue)
    assert value["ci_exact_low"] == pytest.approx(ci.low / (1 - ci.low))
    assert value["ci_exact_high"] == pytest.approx(ci.high / (1 - ci.high))
    assert value["ci_low"] <= value["rr"] <= value["ci_high"]
    # The 36-month window would need data to Mar 2019: the sample ends Mar 2018.
    longer = get(computed, "prepost_rate_ratio", window_months=36)
    assert (longer.status, longer.reason) == ("null", "post_window_incomplete")
