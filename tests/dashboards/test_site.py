"""The site dashboard and brief: trends with milestones, honest wording, stale results with a
recompute button for staff, TA, partners, action items, hot spots, trust — in constant queries."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from engagements.models import Milestone
from metrics.compute.power import RTM_CAUTION
from metrics.engine.fingerprint import inputs_fingerprint
from metrics.engine.hotspot_map import draw_hot_spot_map
from metrics.models import DataQualityFlag, TrustMeasure
from metrics.selectors.results import TIER_TEXT
from tests.dashboards.factories import store, store_violent
from tests.engagements.factories import ActionItemFactory, ActivityFactory, EngagementFactory, area
from tests.factories import AgencyFactory
from tests.metrics.engine.factories import add_incidents, incident_upload

NOT_SIGNIFICANT = (
    "Violent crime went from 1,234 to 1,150 (−7%), but the change cannot be told apart from "
    "normal variation (95% CI −15% to +2%)."
)


def dashboard(client, site, **params):
    return client.get(reverse("dashboards:site", args=[site.slug]), params)


def chart_data(body: str, chart_id: str) -> dict:
    marker = f'id="{chart_id}-data" type="application/json">'
    return json.loads(body.split(marker)[1].split("</script>")[0])


def headline(site, sentence, *, fingerprint="f" * 64, status="ok", reason=""):
    return store(
        site,
        "headline",
        value={
            "offense_label": "Violent crime",
            "sentence": sentence,
            "caution": RTM_CAUTION,
            "too_few_events": False,
        },
        status=status,
        reason=reason,
        evidence_tier=1,
        params={},
        fingerprint=fingerprint,
    )


def test_missing_month_is_a_gap_and_provisional_months_are_marked(client_for, pm, site_a):
    counts = [100] * 20 + [None, 90, 95, 97]
    statuses = ["reported"] * 20 + ["missing", "reported", "reported", "provisional"]
    store_violent(site_a, counts=counts, statuses=statuses)
    body = dashboard(client_for(pm), site_a).content.decode()
    fig = chart_data(body, "chart-monthly-violent_crime")
    line = fig["data"][0]
    assert line["y"][20] is None and line["connectgaps"] is False
    assert 0 not in line["y"]
    assert any(t["name"] == "Provisional" for t in fig["data"])
    assert "1 missing month: line breaks" in json.dumps(fig["layout"]["annotations"])
    assert "A missing month is a gap in the line, never a zero" in body


def test_charts_mark_engagement_start_and_completed_milestones(client_for, pm, site_a):
    store_violent(site_a, start="2024-01")
    Milestone.objects.create(
        site=site_a, kind="assessment_visit", title="Visit", completed_on=dt.date(2025, 3, 12)
    )
    Milestone.objects.create(
        site=site_a, kind="strategic_plan", title="Plan", due_on=dt.date(2025, 7, 1)
    )
    body = dashboard(client_for(pm), site_a).content.decode()
    labels = [
        a["text"] for a in chart_data(body, "chart-monthly-violent_crime")["layout"]["annotations"]
    ]
    assert "Engagement start" in labels and "Assessment visit" in labels
    assert "Strategic plan" not in labels  # not done yet: nothing to mark


def test_every_chart_has_caption_with_source_data_through_computed_at_and_a_table(
    client_for, pm, site_a
):
    store_violent(site_a, start="2024-01")
    r = dashboard(client_for(pm), site_a)
    for chart in [*r.context["dash"].charts, r.context["dash"].ta_chart]:
        assert chart["caption"].startswith("Source: ")
        assert chart["headers"] and chart["rows"] is not None
    trend_caption = r.context["dash"].charts[0]["caption"]
    assert "Data through Dec 2025." in trend_caption and "Computed " in trend_caption
    assert r.content.decode().count("psp-table-toggle") == len(r.context["dash"].charts) + 1


def test_tier_1_statement_always_carries_the_caution(client_for, pm, site_a):
    headline(site_a, NOT_SIGNIFICANT)
    c = client_for(pm)
    for url in ("dashboards:site", "dashboards:brief"):
        body = c.get(reverse(url, args=[site_a.slug])).content.decode()
        assert NOT_SIGNIFICANT in body
        assert escape(RTM_CAUTION) in body
        assert escape(TIER_TEXT[1]) in body


def test_brief_does_not_repeat_a_caution_the_sentence_already_ends_with(client_for, pm, site_a):
    headline(
        site_a, "Violent crime fell 61% (95% CI 49%–70%) … (200 → 78); p < 0.001. " + RTM_CAUTION
    )
    body = client_for(pm).get(reverse("dashboards:brief", args=[site_a.slug])).content.decode()
    assert body.count(RTM_CAUTION) == 1


def test_withheld_headline_gives_its_reason(client_for, pm, site_a):
    why = (
        "No pre/post comparison for violent crime yet: the 24 months after engagement began "
        "are not complete yet."
    )
    headline(site_a, why, status="null", reason="post_window_incomplete")
    assert why in dashboard(client_for(pm), site_a).content.decode()


def test_stale_result_is_shown_as_stale_with_a_recompute_button_for_staff_only(
    client_for, pm, partner_a, site_a
):
    headline(site_a, NOT_SIGNIFICANT, fingerprint="0" * 64)
    staff = dashboard(client_for(pm), site_a).content.decode()
    assert "Stale" in staff
    assert reverse("metrics:recompute", args=[site_a.slug]) in staff
    partner = dashboard(client_for(partner_a), site_a).content.decode()
    assert "Stale" in partner
    assert reverse("metrics:recompute", args=[site_a.slug]) not in partner


def test_fresh_result_is_shown_as_current(client_for, pm, site_a):
    headline(site_a, NOT_SIGNIFICANT, fingerprint=inputs_fingerprint(site_a))
    body = dashboard(client_for(pm), site_a).content.decode()
    assert "Current" in body and "a recompute is due" not in body


def test_small_base_on_the_dashboard_says_too_few_events(client_for, pm, site_a):
    store_violent(site_a, current=9, base=14, z=-1.0, counts=[1] * 24)
    body = dashboard(client_for(pm), site_a).content.decode()
    assert "14 → 9: too few events to assess change" in body


def test_offense_choice_switches_the_charts_and_unknown_falls_back(client_for, pm, site_a):
    store_violent(site_a)
    store(
        site_a,
        "monthly_count",
        "homicide",
        value={"series": [{"month": "2025-01", "count": 2, "status": "reported"}]},
        params={"source": "monthly_counts"},
    )
    c = client_for(pm)
    homicide = dashboard(c, site_a, offense="homicide")
    dash = homicide.context["dash"]
    assert dash.offense == "homicide"
    assert [code for code, _ in dash.offenses] == ["violent_crime", "homicide"]
    body = homicide.content.decode()
    assert 'id="chart-monthly-homicide"' in body and "chart-monthly-violent_crime" not in body
    # Violent crime's change and sparkline stay whatever offense is drawn.
    assert dash.violent is not None and dash.sparkline is not None
    assert dashboard(c, site_a, offense="<script>").context["dash"].offense == "violent_crime"


def test_quality_notes_ta_partners_items_and_milestones(client_for, pm, site_a, today):
    atf = AgencyFactory(site=site_a, name="ATF Kansas City Field Division", kind="atf")
    AgencyFactory(site=site_a, name="Alphaville PD", kind="police")
    ActivityFactory(
        site=site_a,
        date=today - dt.timedelta(days=5),
        duration_hours=Decimal("3.5"),
        agencies=[atf],
    )
    DataQualityFlag.objects.create(
        site=site_a, rule="DQ3", detail="3 against a trailing mean of 14.08", status="open"
    )
    ActionItemFactory(
        engagement=EngagementFactory(site=site_a, core_area=area("gun_violence")),
        title="Start shooting reviews",
        due_on=today - dt.timedelta(days=1),
    )
    Milestone.objects.create(
        site=site_a,
        kind="strategic_plan",
        title="Strategic plan due",
        due_on=today - dt.timedelta(days=10),
    )
    r = dashboard(client_for(pm), site_a)
    body = r.content.decode()
    assert "3 against a trailing mean of 14.08" in body
    assert (
        "ATF Kansas City Field Division" in body
        and "Alphaville PD" not in body.split("federal-h")[1].split("</section>")[0]
    )
    last = today - dt.timedelta(days=5)
    assert f"{last:%b} {last.day}, {last.year}" in body
    assert "Start shooting reviews" in body and "Overdue" in body
    assert "Strategic plan due" in body
    ta = r.context["dash"].ta_chart
    assert {t["name"] for t in ta["figure"]["data"]} == {"Gun violence"}
    assert sum(sum(t["y"]) for t in ta["figure"]["data"]) == 3.5


def _incidents(site, n, start=dt.date(2025, 1, 1)):
    rows = [
        (
            f"i{start:%Y%m}-{i}",
            start + dt.timedelta(days=i % 300),
            "shots_fired",
            37.69 + (i % 7) * 0.003,
            -97.33 + (i % 5) * 0.003,
        )
        for i in range(n)
    ]
    return add_incidents(site, rows, upload=incident_upload(site, start, dt.date(2025, 12, 1)))


CONCENTRATION_V2 = {
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "n_units": 400,
    "study_area_cells": 400,
    "cell_m": 310.0,
    "n_incidents": 60,
    "share_top5": 0.62,
    "share_top5_reason": None,
    "share_top5_random": 0.11,
    "pct_units_50": 2.5,
    "gini": 0.81,
    "gini_generalized": 0.77,
    "gini_generalized_null": 0.12,
    "null_low": 0.08,
    "null_high": 0.17,
    "excess_over_null": 0.65,
}


def test_hot_spot_map_and_concentration_figures_from_stored_results(client_for, pm, site_a):
    _incidents(site_a, 60)
    store(site_a, "concentration", "", value=CONCENTRATION_V2, params={"cell_m": 310.0})
    store(
        site_a,
        "gistar_hotspots",
        "",
        value={
            "n_hot": 4,
            "incidents_in_hot": 19,
            "incidents_in_hot_areas": 25,
            "n_incidents": 60,
            "pct_incidents_in_hot": 41.7,
            "null_hot_mean": 0.28,
            "null_hot_p95": 1.0,
        },
        params={"cell_m": 310.0, "permutations": 199},
    )
    # The map the engine stores with these results (the page only reads it).
    drawn = draw_hot_spot_map(site_a, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert drawn is not None
    drawn.save()
    r = dashboard(client_for(pm), site_a)
    body = r.content.decode()
    # Observed beside the random-placement null, counts beside percents (docs/metrics.md §7).
    assert "60 incidents from Jan 2025 to Dec 2025, counted on 400 cells of 310 m" in body
    assert (
        "The busiest 5% of cells (20) held 37 of 60 incidents (62%; random placement of the "
        "same number: 11%)" in body
    )
    assert "Half of all incidents fell in 10 cells of 400." in body
    hot_line = (
        "Getis-Ord Gi* hot spots: 4 hot cells; they and their neighbouring cells hold 25 of 60 "
        "incidents (42%); random placement of the same incidents gives 0.3 on average, 95th "
        "percentile 1."
    )
    assert hot_line in body
    assert "gives 0.12 (95% of placements between 0.08 and 0.17): more concentrated" in body
    hot = r.context["dash"].hot_chart
    assert hot_line in hot["caption"]  # the null travels with the map too
    names = {t["name"] for t in hot["figure"]["data"]}
    assert "In the densest cells (half of all incidents)" in names
    assert sum(len(t["x"]) for t in hot["figure"]["data"]) == 60
    assert hot["figure"]["data"][0]["type"] == "scatter"  # SVG on projected axes: no tiles
    assert hot["figure"]["layout"]["yaxis"]["scaleanchor"] == "x"


def test_no_hot_spots_beyond_chance_and_a_too_sparse_share_are_said_plainly(client_for, pm, site_a):
    quiet = {
        **CONCENTRATION_V2,
        "n_incidents": 15,
        "share_top5": None,
        "share_top5_reason": "too_sparse",
        "share_top5_random": None,
        "gini_generalized": 0.10,
    }
    store(site_a, "concentration", "", value=quiet, params={"cell_m": 310.0})
    store(
        site_a,
        "gistar_hotspots",
        "",
        value={"n_hot": 0, "n_incidents": 15, "null_hot_mean": 0.04, "null_hot_p95": 0.0},
        params={"cell_m": 310.0, "permutations": 199},
    )
    body = dashboard(client_for(pm), site_a).content.decode()
    assert (
        "No hot spots beyond chance: no cell is hotter than random placement produces (random "
        "placement of the same incidents gives 0.04 on average, 95th percentile 0)." in body
    )
    assert "hot spots: 0" not in body and "held" not in body
    assert (
        "No busiest-5% share: 5% of the cells (20) is more cells than there are incidents (15)."
        in body
    )
    assert "no more concentrated than chance" in body


def test_trust_series_show_sample_sizes(client_for, pm, site_a):
    for i, (value, n) in enumerate([(58, 410), (61, 35)]):
        TrustMeasure.objects.create(
            site=site_a,
            period_start=dt.date(2024 + i, 1, 1),
            period_end=dt.date(2024 + i, 6, 30),
            measure="Trust in police (0–100)",
            value=value,
            sample_size=n,
            method="resident survey",
        )
    r = dashboard(client_for(pm), site_a)
    trust = r.context["dash"].trust[0]
    assert list(trust["figure"]["data"][0]["text"]) == ["n = 410", "n = 35"]
    assert ["Jan 1, 2025 – Jun 30, 2025", "61.00", "35"] in trust["rows"]


def test_site_page_shows_the_glance_panel_with_a_chart(client_for, pm, site_a):
    store_violent(site_a)
    body = client_for(pm).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    assert 'id="chart-glance-data"' in body
    assert reverse("dashboards:site", args=[site_a.slug]) in body
    assert "/static/vendor/plotly/plotly.min.js" in body


def _grow(site, size, today):
    store_violent(site, counts=[100] * (12 * size), start="2015-01")
    for i in range(5 * size):
        ActivityFactory(site=site, date=today - dt.timedelta(days=i))
    ActionItemFactory(engagement=EngagementFactory(site=site, core_area=area("technology")))
    AgencyFactory(site=site, kind="fbi")
    DataQualityFlag.objects.create(site=site, rule="DQ3", detail="x", status="open", key=str(size))
    _incidents(site, 30 * size, start=dt.date(2025, 1 + size, 1))


def test_site_dashboard_and_brief_query_counts_are_constant(
    client_for, pm, site_a, today, django_assert_max_num_queries
):
    c = client_for(pm)
    store(
        site_a,
        "concentration",
        "",
        value={"period_start": "2025-01-01", "period_end": "2025-12-31", "n_incidents": 1},
        params={"cell_m": 150},
    )
    _grow(site_a, 1, today)
    counts = {}
    for name in ("dashboards:site", "dashboards:brief", "sites:detail"):
        reset_queries()
        with CaptureQueriesContext(connection) as q:
            assert c.get(reverse(name, args=[site_a.slug])).status_code == 200
        counts[name] = len(q.captured_queries)
    from metrics.models import MetricResult

    MetricResult.objects.filter(site=site_a, offense="violent_crime").delete()
    _grow(site_a, 4, today)
    for name, small in counts.items():
        reset_queries()
        with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as q:
            assert c.get(reverse(name, args=[site_a.slug])).status_code == 200
        assert len(q.captured_queries) == small, name
