"""Tier-3 rows of the engine (docs/metrics.md §8, §9.6) on a synthetic national pool: a real
effect is found with its donors and placebos, and each reason there is no comparison is the
one a user reads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.engine.build.comparative import comparative_rows, coverage_undeclared
from metrics.engine.comparison import pool_input
from metrics.engine.loaders import SiteInfo, SiteInputs
from tests.metrics.engine.factories import SITE_PLACE as SITE
from tests.metrics.engine.factories import synthetic_pool as pool

COVERAGE = (dt.date(2014, 1, 1), dt.date(2018, 3, 31))


def rows_for(start: dt.date | None, *, effect: float = 1.0, n_places: int = 40, **kw):
    frame, places = pool(n_places=n_places, effect=effect, **kw)
    comp = pool_input(frame, places, coverage=COVERAGE, site_place=SITE)
    info = SiteInfo(1, "siteville", "Siteville", 200_000, 2016, "", None, None, start)
    inputs = SiteInputs(info, pd.DataFrame(), pd.DataFrame(), comparison=comp)
    return {
        (r.metric, r.offense, r.params["window_months"]): r for r in comparative_rows(inputs, {})
    }


@pytest.fixture(scope="module")
def halved():
    return rows_for(dt.date(2016, 1, 1), effect=0.5)


def test_a_halving_is_found_against_the_synthetic_comparison(halved):
    sc = halved[("synthetic_control", "nonfatal_shooting_incidents", 24)]
    assert sc.status == "ok"
    v = sc.value
    assert v["ratio"] == pytest.approx(0.5, abs=0.1)
    assert v["pct_change"] < -35
    assert v["p_placebo_space"] == pytest.approx(1 / (1 + v["n_placebos"]))
    assert v["n_as_extreme"] == 0
    assert v["n_placebos"] == 40  # every other place is a donor and a placebo
    assert sum(d["weight"] for d in v["donors"]) == pytest.approx(1, abs=0.01)
    assert all(d["place"].startswith("Place ") for d in v["donors"])
    assert v["gap_events"] == pytest.approx(v["observed_post"] - v["synthetic_post"])
    assert (v["pre_start"], v["pre_end"], v["post_start"], v["post_end"]) == (
        "2014-01",
        "2015-12",
        "2016-01",
        "2017-12",
    )
    assert "lower (placebo p = " in v["sentence"]
    assert f"0 of {v['n_placebos']} placebos as extreme" in v["sentence"]
    assert len(v["series"]) == 16  # 8 quarters before, 8 after
    did = halved[("did_rate_ratio", "nonfatal_shooting_incidents", 24)]
    assert did.status == "ok"
    assert did.value["rrr"] < 0.7
    assert did.value["ci_high"] < 1
    assert did.value["p"] < 0.001
    # The DiD by hand: (T1/T0)/(C1/C0) over the same windows.
    t0, t1, c0, c1 = (
        did.value[k] for k in ("site_pre", "site_post", "comparison_pre", "comparison_post")
    )
    assert did.value["rrr"] == pytest.approx((t1 / t0) / (c1 / c0))


def test_no_effect_is_not_called_significant():
    results = rows_for(dt.date(2016, 1, 1), effect=1.0, seed=7)
    for offense in ("fatal_shooting_incidents", "nonfatal_shooting_incidents"):
        sc = results[("synthetic_control", offense, 24)]
        assert sc.status == "ok"
        assert sc.value["p_placebo_space"] > 0.05


def test_windows_past_the_pool_are_incomplete(halved):
    # Start 2016-01: 24 months end 2017-12, inside the pool (to 2018-03).
    late = rows_for(dt.date(2017, 7, 1))
    assert late[("synthetic_control", "fatal_shooting_incidents", 6)].status == "ok"
    for window in (12, 24):
        for metric in ("synthetic_control", "did_rate_ratio"):
            assert (
                late[(metric, "fatal_shooting_incidents", window)].reason
                == "post_window_incomplete"
            )


def test_too_little_before_engagement():
    early = rows_for(dt.date(2014, 10, 1))
    assert early[("synthetic_control", "fatal_shooting_incidents", 12)].reason == (
        "insufficient_pre_period"
    )


def test_no_engagement_start():
    none = rows_for(None)
    assert {r.reason for r in none.values()} == {"no_engagement_start"}


def test_too_few_donors():
    few = rows_for(dt.date(2016, 1, 1), n_places=3)
    sc = few[("synthetic_control", "nonfatal_shooting_incidents", 12)]
    assert (sc.status, sc.reason, sc.value["n_donors"]) == ("null", "too_few_donors", 3)


def test_a_site_nothing_resembles_has_a_poor_pre_fit():
    spiky = rows_for(dt.date(2016, 1, 1), site_shape="spiky")
    sc = spiky[("synthetic_control", "nonfatal_shooting_incidents", 24)]
    assert (sc.status, sc.reason) == ("null", "poor_pre_fit")
    assert sc.value["pre_rmspe"] > sc.value["pre_noise_limit"]
    assert "sentence" not in sc.value


def test_incidents_without_declared_coverage_get_no_comparison():
    info = SiteInfo(1, "s", "S", 200_000, 2016, "", None, None, dt.date(2016, 1, 1))
    inputs = SiteInputs(info, pd.DataFrame(), pd.DataFrame(), coverage=[])
    assert coverage_undeclared(inputs, "incidents")
    assert not coverage_undeclared(inputs, "comparison_pool")
    declared = SiteInputs(
        info, pd.DataFrame(), pd.DataFrame(), coverage=[(dt.date(2014, 1, 1), dt.date(2018, 3, 1))]
    )
    assert not coverage_undeclared(declared, "incidents")
