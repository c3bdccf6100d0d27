"""Issue 16: a deleted activity leaves every total at once — workload, site dashboard and brief,
portfolio tiles and roll-ups, core areas, the engagement plan, the activity list and its exports —
and "Undo" puts it back everywhere. Each figure is checked against a hand count."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from engagements import services
from tests.engagements.factories import ActivityFactory, EngagementFactory, area
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_visits(site_a, liaison_a, today):
    """Two activities at site_a today, both gun violence, both touching the ATF: 2 h and 1.5 h."""
    engagement = EngagementFactory(site=site_a, core_area=area("gun_violence"))
    atf = AgencyFactory(site=site_a, name="ATF Field Division", kind="atf")
    kept = ActivityFactory(
        site=site_a,
        date=today,
        duration_hours=Decimal(2),
        logged_by=liaison_a,
        engagement=engagement,
        agencies=[atf],
        summary="Kept visit",
    )
    mistake = ActivityFactory(
        site=site_a,
        date=today,
        duration_hours=Decimal("1.5"),
        logged_by=liaison_a,
        engagement=engagement,
        agencies=[atf],
        summary="Duplicate entry",
    )
    return kept, mistake


def figures(client) -> dict[str, object]:
    """Every total the issue names, read from the pages as a user sees them."""
    workload = client.get(reverse("dashboards:workload")).context
    lee = next(p for p in workload["people"] if p["label"] == "Lee Liaison")
    brief = client.get(reverse("dashboards:brief", args=["alphaville"])).context["dash"]
    [atf] = brief.federal_partners
    portfolio = client.get(reverse("dashboards:portfolio")).context["portfolio"]
    gun = next(a for a in portfolio.core_areas if a["area"].code == "gun_violence")
    plan = client.get(reverse("engagements:plan", args=["alphaville"])).context
    exported = client.get(reverse("engagements:export_csv"), {"site": "alphaville"})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    return {
        "workload_hours": lee["hours"],
        "workload_activities": lee["activities"],
        "brief_n": brief.ta_totals["n"],
        "brief_hours": brief.ta_totals["hours"],
        "brief_chart_hours": sum(r["hours"] for r in brief.ta_by_area),
        "federal_touches": atf.touches,
        "tile_activities": portfolio.tiles["activities_quarter"],
        "tile_hours": portfolio.tiles["hours_quarter"],
        "area_activities": gun["activities_quarter"],
        "plan_count": plan["engagements"][0].activity_count,
        "export_rows": len(rows) - 1,
    }


def test_deleting_an_activity_takes_it_out_of_every_total_and_undo_puts_it_back(
    client_for, pm, liaison_a, two_visits
):
    kept, mistake = two_visits
    client = client_for(pm)
    both = {
        "workload_hours": Decimal("3.5"),
        "workload_activities": 2,
        "brief_n": 2,
        "brief_hours": Decimal("3.5"),
        "brief_chart_hours": Decimal("3.5"),
        "federal_touches": 2,
        "tile_activities": 2,
        "tile_hours": Decimal("3.5"),
        "area_activities": 2,
        "plan_count": 2,
        "export_rows": 2,
    }
    one = {
        "workload_hours": Decimal(2),
        "workload_activities": 1,
        "brief_n": 1,
        "brief_hours": Decimal(2),
        "brief_chart_hours": Decimal(2),
        "federal_touches": 1,
        "tile_activities": 1,
        "tile_hours": Decimal(2),
        "area_activities": 1,
        "plan_count": 1,
        "export_rows": 1,
    }
    assert figures(client) == both
    services.activity_delete(activity=mistake, acting_user=liaison_a)
    assert figures(client) == one
    services.activity_restore(activity=mistake, acting_user=liaison_a)
    assert figures(client) == both


def test_a_site_with_nothing_deleted_shows_no_recently_deleted_list(
    client_for, liaison_a, two_visits
):
    page = client_for(liaison_a).get(reverse("engagements:timeline", args=["alphaville"]))
    assert page.context["deleted"] == []
    assert "Recently deleted" not in page.content.decode()
