"""``compute_metrics`` and ``export_metrics``: the command-line contract (docs/metrics.md §9)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from metrics.engine.export import _cell
from metrics.models import MetricResult
from tests.metrics.engine.factories import add_incidents, incident_upload

pytestmark = pytest.mark.django_db

CONTRACT = {
    "ytd_change": {
        "as_of",
        "ytd",
        "prev_ytd",
        "abs_change",
        "pct_change",
        "poisson_z",
        "p_exact",
        "rr",
        "rr_ci_low",
        "rr_ci_high",
    },
    "prepost_rate_ratio": {
        "pre_start",
        "pre_end",
        "post_start",
        "post_end",
        "c_pre",
        "c_post",
        "e_pre",
        "e_post",
        "rr",
        "pct_change",
        "ci_exact_low",
        "ci_exact_high",
        "p_exact",
        "phi",
        "ci_quasi_low",
        "ci_quasi_high",
        "ci_low",
        "ci_high",
        "mde_pct",
    },
    "its_segmented": {
        "level_rr",
        "level_ci_low",
        "level_ci_high",
        "phi",
        "counterfactual_total",
        "observed_total",
    },
    "concentration": {
        "n_units",
        "n_incidents",
        "share_top5",
        "pct_units_50",
        "gini",
        "gini_generalized",
        "share_top5_random",
        # §7.2 additions (docs/metrics.md §9.5)
        "share_top5_reason",
        "excess_over_null",
        "null_low",
        "null_high",
    },
    "gistar_hotspots": {
        "n_hot",
        "pct_incidents_in_hot",
        "threshold",
        # §7.1 additions
        "null_hot_mean",
        "null_hot_p95",
        "permutations",
        "cell_m",
        "study_area_cells",
    },
}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def computed(engaged_site):
    up = incident_upload(engaged_site, dt.date(2022, 1, 1), dt.date(2023, 12, 1))
    rows = [
        (
            str(i),
            dt.date(2022, 1, 1) + dt.timedelta(days=i % 700),
            "shots_fired",
            37.69 + (i % 37) * 0.001,
            -97.33 + (i % 23) * 0.001,
        )
        for i in range(400)
    ]
    add_incidents(engaged_site, rows, upload=up)
    out = run("compute_metrics", "--site", engaged_site.slug)
    assert "gammaburg: wrote" in out and "Computed metrics for 1 site." in out
    return engaged_site


def test_compute_metrics_prints_a_summary_and_skips_unchanged_sites(computed):
    out = run("compute_metrics")
    assert "gammaburg: unchanged," in out and "data through" in out
    assert "wrote" in run("compute_metrics", "--site", computed.slug, "--force")


def test_commands_reject_an_unknown_site(db):
    with pytest.raises(CommandError, match="No site with slug 'nowhere'"):
        run("compute_metrics", "--site", "nowhere")
    with pytest.raises(CommandError, match="No site with slug 'nowhere'"):
        run("export_metrics", "--site", "nowhere")


def test_export_refuses_a_site_without_results(engaged_site):
    with pytest.raises(CommandError, match="compute_metrics --site gammaburg"):
        run("export_metrics", "--site", engaged_site.slug)


def test_json_export_follows_the_contract(computed):
    doc = json.loads(run("export_metrics", "--site", computed.slug, "--format", "json"))
    assert set(doc) == {"site", "data_through", "computed_at", "results"}
    assert doc["site"] == "gammaburg" and doc["data_through"] == "2023-12"
    dt.datetime.fromisoformat(doc["computed_at"])
    keys = {"metric", "offense", "params", "status", "reason", "flags", "evidence_tier", "value"}
    by_metric: dict[str, list[dict]] = {}
    for r in doc["results"]:
        assert set(r) == keys
        by_metric.setdefault(r["metric"], []).append(r)
    for metric, fields in CONTRACT.items():
        ok = [r for r in by_metric[metric] if r["status"] == "ok"]
        assert ok, metric
        for r in ok:
            assert fields <= set(r["value"]), (metric, fields - set(r["value"]))
    point = by_metric["monthly_count"][0]["value"]["series"][0]
    assert set(point) >= {"month", "count", "status"}
    r12 = by_metric["rolling_12m"][0]["value"]["series"][-1]
    assert set(r12) >= {"month", "r12", "rate_per_100k"}
    pp = [r for r in by_metric["prepost_rate_ratio"] if r["offense"] == "violent_crime"]
    assert {(r["params"]["window_months"], r["params"]["gap_months"]) for r in pp} == {
        (12, 0),
        (24, 0),
        (36, 0),
    }
    # §7.1: the grid adapts (at least 150 m) so the study area has at most max(400, N/2) cells.
    conc = by_metric["concentration"][0]
    assert conc["params"]["cell_m"] == conc["value"]["cell_m"] >= 150.0
    assert conc["value"]["study_area_cells"] <= 400
    assert conc["value"]["share_top5_reason"] is None and conc["value"]["share_top5"] > 0
    hot = by_metric["gistar_hotspots"][0]["value"]
    assert hot["permutations"] == 199 and hot["null_hot_mean"] >= 0
    assert "flags" in by_metric["data_quality"][0]["value"]
    for r in doc["results"]:
        if r["status"] == "null":
            assert r["reason"]


def test_csv_export_is_the_same_data_flattened(computed):
    text = run("export_metrics", "--site", computed.slug, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() >= {"site", "metric", "offense", "params", "status", "field", "value"}
    metrics = {r["metric"] for r in rows}
    assert metrics == set(MetricResult.objects.values_list("metric", flat=True))
    ytd = {
        r["field"]: r["value"]
        for r in rows
        if r["metric"] == "ytd_change" and r["offense"] == "violent_crime"
    }
    stored = MetricResult.objects.get(metric="ytd_change", offense="violent_crime").value
    assert int(ytd["ytd"]) == stored["ytd"] and int(ytd["prev_ytd"]) == stored["prev_ytd"]
    assert any(r["field"].startswith("series[2023-12]") for r in rows)


def test_csv_cells_never_start_a_formula():
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("@SUM") == "'@SUM"
    assert _cell("-25.0") == "-25.0" and _cell(-3) == -3
