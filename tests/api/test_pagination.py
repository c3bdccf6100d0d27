"""Issue 18, speed of large lists: a page's total ``count`` is kept per data version (reading page
after page, or the same list again, does not count 100,000 activities each time), yet it is
never stale — a write moves the version, a filter or another person's scope counts apart, and a
list over a table without the data-version trigger is counted afresh. The activity list reads
its rows' links from the link tables, for the page in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements import services
from engagements.models import Activity
from tests.api.conftest import token_client
from tests.engagements.factories import (
    ActivityFactory,
    EngagementFactory,
    MilestoneFactory,
    RecommendationFactory,
    area,
)
from tests.factories import AgencyFactory

# Committed writes, as in production: an uncommitted write leaves the data version unknown and
# nothing is cached (psp.core.dataversion), which a rolled-back test would always be.
pytestmark = pytest.mark.django_db(transaction=True)

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def get(client, path, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    counted = any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    return response.json(), counted


@pytest.fixture
def activities(site_a, site_b, liaison_a):
    made = [ActivityFactory(site=site_a, kind="site_visit") for _ in range(4)]
    made += [ActivityFactory(site=site_a, kind="training") for _ in range(2)]
    made += [ActivityFactory(site=site_b) for _ in range(3)]
    return made


def test_the_count_is_kept_until_the_data_changes(activities, pm, site_a, liaison_a):
    client = token_client(pm)
    client.get("/api/cohorts/")  # the token's first use is recorded once, outside the count
    body, counted = get(client, "/api/activities/", page_size=2)
    assert body["count"] == 9 and counted
    # Page after page: the same total, not counted again (on PostgreSQL, which has versions).
    body, counted = get(client, "/api/activities/", page_size=2, page=2)
    assert body["count"] == 9 and counted is not POSTGRES
    # A write moves the data version: the next read counts again, and right.
    ActivityFactory(site=site_a)
    body, counted = get(client, "/api/activities/", page_size=2, page=3)
    assert body["count"] == 10 and counted
    # So does a deletion through the service (soft delete: the row stays, the list drops it).
    services.activity_delete(activity=activities[0], acting_user=liaison_a)
    body, _ = get(client, "/api/activities/", page_size=2)
    assert body["count"] == 9


def test_each_filter_and_each_scope_is_counted_apart(activities, pm, liaison_a, site_a):
    staff, liaison = token_client(pm), token_client(liaison_a)
    staff.get("/api/cohorts/")
    liaison.get("/api/cohorts/")
    assert get(staff, "/api/activities/")[0]["count"] == 9
    assert get(liaison, "/api/activities/")[0]["count"] == 6
    assert get(staff, "/api/activities/", kind="training")[0]["count"] == 2
    assert get(staff, "/api/activities/", site=site_a.slug)[0]["count"] == 6
    # Asked again, each answers the same.
    assert get(liaison, "/api/activities/")[0]["count"] == 6
    assert get(staff, "/api/activities/", kind="training")[0]["count"] == 2
    assert get(staff, "/api/activities/")[0]["count"] == 9


def test_a_list_over_an_unwatched_table_is_counted_every_time(pm, site_a):
    # Recommendations carry no data-version trigger: a cached count could not see a new one.
    engagement = EngagementFactory(site=site_a, core_area=area("technology"))
    RecommendationFactory(engagement=engagement)
    client = token_client(pm)
    client.get("/api/cohorts/")
    body, counted = get(client, "/api/recommendations/")
    assert body["count"] == 1 and counted
    body, counted = get(client, "/api/recommendations/")
    assert body["count"] == 1 and counted
    RecommendationFactory(engagement=engagement)
    assert get(client, "/api/recommendations/")[0]["count"] == 2


def test_activity_links_come_from_the_link_tables_for_list_detail_and_create(site_a, liaison_a):
    agencies = [AgencyFactory(site=site_a) for _ in range(2)]
    milestone = MilestoneFactory(site=site_a)
    linked = ActivityFactory(site=site_a)
    linked.core_areas.set([area("technology"), area("gun_violence")])
    linked.agencies.set(agencies)
    linked.milestones.set([milestone])
    bare = ActivityFactory(site=site_a)
    bare.core_areas.clear()
    client = token_client(liaison_a)
    order = [a.code for a in sorted(linked.core_areas.all(), key=lambda a: a.order)]
    expected = {
        "core_areas": order,
        "agencies": sorted(a.pk for a in agencies),
        "milestones": [milestone.pk],
    }
    rows = {r["id"]: r for r in client.get("/api/activities/").json()["results"]}
    assert {k: rows[linked.pk][k] for k in expected} == expected
    assert {k: rows[bare.pk][k] for k in expected} == {k: [] for k in expected}
    detail = client.get(f"/api/activities/{linked.pk}/").json()
    assert {k: detail[k] for k in expected} == expected
    created = client.post(
        "/api/activities/",
        {
            "site": site_a.slug,
            "kind": "virtual_meeting",
            "duration_hours": "1.5",
            "mode": "virtual",
            "core_areas": ["technology"],
            "agencies": [agencies[1].pk],
            "milestones": [milestone.pk],
            "summary": "Call with the crime analysts.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["core_areas"], body["agencies"], body["milestones"]) == (
        ["technology"],
        [agencies[1].pk],
        [milestone.pk],
    )
    assert Activity.objects.get(pk=body["id"]).agencies.get() == agencies[1]


def test_a_filter_nothing_can_match_is_an_empty_page_not_an_error(activities, pm):
    """Found by the schemathesis walk: ``?cohort=-256`` leaves a query Django knows is empty
    before it reaches the database; the cached count must say 0, not raise."""
    body, _ = get(token_client(pm), "/api/sites/", cohort=-256, page_size=5)
    assert body["count"] == 0 and body["results"] == []
