"""The core-area view and the workload view: what they count, in constant queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dashboards.factories import store_violent
from tests.engagements.factories import ActionItemFactory, ActivityFactory, EngagementFactory, area
from tests.factories import SiteFactory, UserFactory


def test_core_area_lists_prioritising_sites_ta_items_and_outcomes(
    client_for, pm, site_a, site_b, liaison_a, today
):
    gun = area("gun_violence")
    e = EngagementFactory(site=site_a, core_area=gun, lead=liaison_a)
    ActionItemFactory(engagement=e, status="lagging", due_on=today - dt.timedelta(days=2))
    ActionItemFactory(engagement=e, status="complete", completed_on=today)
    ActivityFactory(site=site_a, date=today, duration_hours=Decimal(5), core_areas=[gun])
    ActivityFactory(site=site_b, date=today, duration_hours=Decimal(2), core_areas=[gun])
    store_violent(site_a, current=1100, base=1234, z=-3.9)
    r = client_for(pm).get(reverse("dashboards:core_area", args=["gun_violence"]))
    body = r.content.decode()
    assert [row["engagement"].site.name for row in r.context["rows"]] == ["Alphaville"]
    assert r.context["rows"][0]["hours"] == 5
    assert r.context["totals"]["hours"] == 7 and r.context["other_sites_with_ta"] == 1
    assert ("Lagging", 1) in r.context["status_rows"] and ("Complete", 1) in r.context[
        "status_rows"
    ]
    assert "1 open, <strong>1 overdue</strong>, 1 complete" in body
    assert "1,234 → 1,100 (−10.9%, z −3.9)" in body
    assert r.context["outcome_labels"] == [
        "Violent crime",
        "Homicides",
        "Nonfatal shooting victims",
    ]


def test_core_area_query_count_is_constant(client_for, pm, today):
    gun = area("gun_violence")
    c = client_for(pm)
    url = reverse("dashboards:core_area", args=["gun_violence"])

    def grow(n):
        for _ in range(n):
            s = SiteFactory()
            ActionItemFactory(engagement=EngagementFactory(site=s, core_area=gun))
            ActivityFactory(site=s, date=today, core_areas=[gun])
            store_violent(s)

    grow(2)
    reset_queries()
    with CaptureQueriesContext(connection) as small:
        c.get(url)
    grow(12)
    reset_queries()
    with CaptureQueriesContext(connection) as large:
        c.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_workload_counts_hours_by_liaison_site_and_month(client_for, pm, site_a, site_b, today):
    lee, bo = UserFactory(full_name="Lee Liaison"), UserFactory(full_name="Bo Liaison")
    ActivityFactory(site=site_a, date=today, duration_hours=Decimal("2.5"), logged_by=lee)
    ActivityFactory(site=site_a, date=today, duration_hours=Decimal(1), logged_by=lee)
    ActivityFactory(site=site_b, date=today, duration_hours=Decimal(4), logged_by=bo)
    ActivityFactory(
        site=site_b, date=today - dt.timedelta(days=400), duration_hours=Decimal(9), logged_by=bo
    )
    r = client_for(pm).get(reverse("dashboards:workload"))
    people = {p["label"]: p for p in r.context["people"]}
    assert (
        people["Lee Liaison"]["hours"] == Decimal("3.5")
        and people["Lee Liaison"]["activities"] == 2
    )
    assert people["Bo Liaison"]["hours"] == 4  # the activity 400 days ago is outside the window
    assert people["Lee Liaison"]["cells"][-1] == Decimal("3.5")
    assert r.context["totals"]["hours"] == Decimal("7.5")
    # narrowed to one program manager's sites
    r = client_for(pm).get(reverse("dashboards:workload"), {"manager": pm.pk})
    assert [s["label"] for s in r.context["sites"]] == ["Alphaville"]
    refused = client_for(pm).get(reverse("dashboards:workload"), {"manager": "x"})
    assert refused.status_code == 200
    assert "“x” is not a program manager of the sites you can see" in refused.content.decode()
    assert refused.context["totals"]["activities"] == 0


def test_workload_query_count_is_constant(client_for, pm, today):
    c = client_for(pm)

    def grow(n):
        for _ in range(n):
            ActivityFactory(site=SiteFactory(program_manager=pm), date=today)

    grow(2)
    reset_queries()
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("dashboards:workload"))
    grow(15)
    reset_queries()
    with CaptureQueriesContext(connection) as large:
        c.get(reverse("dashboards:workload"))
    assert len(large.captured_queries) == len(small.captured_queries)
