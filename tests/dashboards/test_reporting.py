"""The completeness report pages: who sees what, the portfolio filters and exports, constant
queries at two sizes, and the portfolio's late-reporting tile and flag."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics.models import MonthlyCount, Offense, ReportingSchedule
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:reporting")


def _month_back(today: dt.date, n: int) -> dt.date:
    first = today.replace(day=1)
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _site(name: str, *, reported_months: int, pm=None):
    """A site expecting robbery counts for the last 4 ended months, of which the first
    ``reported_months`` arrived 10 days after their month ended (on time)."""
    today = timezone.localdate()
    site = SiteFactory(name=name, program_manager=pm)
    schedule = ReportingSchedule.objects.create(site=site, reporting_from=_month_back(today, 4))
    schedule.offenses.set(Offense.objects.filter(code="robbery"))
    for i in range(reported_months):
        month = _month_back(today, 4 - i)
        nxt = _month_back(today, 3 - i)
        at = timezone.make_aware(dt.datetime.combine(nxt + dt.timedelta(days=9), dt.time(9)))
        MonthlyCount.objects.create(
            site=site,
            month=month,
            offense=Offense.objects.get(code="robbery"),
            count=3,
            first_count=3,
            created_at=at,
        )
    return site


@pytest.fixture
def two_sites(pm):
    # Four months back is long past due; the latest ended month is not due yet.
    return _site("Complete City", reported_months=4, pm=pm), _site(
        "Lagging Town", reported_months=1
    )


def test_report_lists_sites_with_their_counts(client_for, pm, two_sites):
    response = client_for(pm).get(URL)
    assert response.status_code == 200
    totals = {s.site.name: s for s in response.context["sites"]}
    assert (totals["Complete City"].missing, totals["Complete City"].on_time) == (0, 4)
    lagging = totals["Lagging Town"]
    assert lagging.expected == 4 and lagging.received == 1
    assert lagging.missing + lagging.not_due == 3 and lagging.missing >= 2


def test_report_uses_the_portfolio_filters(client_for, pm, two_sites):
    response = client_for(pm).get(URL, {"program_manager": pm.pk})
    assert [s.site.name for s in response.context["sites"]] == ["Complete City"]


def test_a_liaison_sees_only_their_sites(client_for, liaison_a, two_sites, site_a):
    response = client_for(liaison_a).get(URL)
    assert {s.site.name for s in response.context["sites"]} <= {site_a.name}
    assert (
        client_for(liaison_a)
        .get(reverse("dashboards:site_reporting", args=[two_sites[1].slug]))
        .status_code
        == 404
    )


def test_csv_export_has_one_row_per_site_month_offense(client_for, pm, two_sites):
    response = client_for(pm).get(reverse("dashboards:reporting_export", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 8
    lagging = [r for r in rows if r["Site"] == "Lagging Town"]
    assert [r["State"] for r in lagging][:1] == ["On time"]
    assert "Missing" in {r["State"] for r in lagging}


def test_xlsx_export_downloads(client_for, pm, two_sites):
    response = client_for(pm).get(reverse("dashboards:reporting_export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_report_query_count_is_constant(client_for, pm):
    c = client_for(pm)
    for i in range(2):
        _site(f"Small {i}", reported_months=2, pm=pm)
    with CaptureQueriesContext(connection) as small:
        assert c.get(URL).status_code == 200
    for i in range(12):
        _site(f"Large {i}", reported_months=i % 4, pm=pm)
    reset_queries()
    with CaptureQueriesContext(connection) as large:
        assert len(c.get(URL).context["sites"]) == 14
    assert len(large.captured_queries) == len(small.captured_queries)


def test_portfolio_flags_late_sites_and_counts_them(client_for, pm, two_sites):
    response = client_for(pm).get(reverse("dashboards:portfolio"), {"flag": "late_reporting"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lagging Town" in body and "Complete City" not in body
    assert "site with outcome data past due" in body


def test_a_site_page_shows_every_expected_count(client_for, pm, two_sites):
    url = reverse("dashboards:site_reporting", args=[two_sites[1].slug])
    response = client_for(pm).get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 4
    assert "Missing" in response.content.decode()
