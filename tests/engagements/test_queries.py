"""Query budgets (acceptance 4): the activity list, a site's timeline, "My work" and the site
page panel run the same number of queries whatever the number of activities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.engagements.factories import (
    ActionItemFactory,
    ActivityFactory,
    EngagementFactory,
    MilestoneFactory,
    PeerExchangeFactory,
    TARequestFactory,
    area,
)
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

# The site page also carries the metrics panel and headline (its freshness check reads six
# aggregates) and the dashboards' "at a glance" panel; what matters is that the count is the
# same at both sizes (asserted below). The second wave (comparison pool, stewardship, documents)
# added two reads to the site page.
# Issue 15 added two: the header's notification bell (unread count) and the site page's Watch
# button (is this person watching the site). Issue 13's pre-registration added one: the plan in
# force beside the headline (docs/metrics.md §8.5).
BUDGET = 31


def populate(site, other, user, n: int) -> None:
    """``n`` activities (this week and earlier) with agencies, areas and milestones, plus items."""
    today = timezone.localdate()
    engagement = EngagementFactory(site=site, core_area=area("gun_violence"))
    agencies = [AgencyFactory(site=site, name=f"Agency {n}-{i}") for i in range(3)]
    milestone = MilestoneFactory(site=site, due_on=dt.date(2020, 1, 1))
    for i in range(n):
        activity = ActivityFactory(
            site=site,
            engagement=engagement,
            date=today - dt.timedelta(days=i % 5),
            logged_by=user,
            core_areas=[area("gun_violence"), area("technology")],
            agencies=agencies[: 1 + i % 3],
        )
        activity.milestones.add(milestone)
        ActionItemFactory(engagement=engagement, due_on=dt.date(2020, 1, 1), status="lagging")
        TARequestFactory(site=site)
    PeerExchangeFactory(
        host_site=site, visiting_site=other, date=today, follow_up_due=today + dt.timedelta(days=90)
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx)


PAGES = {
    "activity list": lambda site: reverse("engagements:activities"),
    "activity list filtered": lambda site: (
        reverse("engagements:activities")
        + f"?site={site.slug}&core_area={area('technology').pk}&sort=site"
    ),
    "timeline": lambda site: reverse("engagements:timeline", args=[site.slug]),
    "my work": lambda site: reverse("engagements:my_work"),
    "plan": lambda site: reverse("engagements:plan", args=[site.slug]),
    "site page": lambda site: reverse("sites:detail", args=[site.slug]),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow_with_activities(
    client_for, liaison_a, site_a, site_b, django_assert_max_num_queries, page
):
    c = client_for(liaison_a)
    url = PAGES[page](site_a)
    populate(site_a, site_b, liaison_a, 3)
    with django_assert_max_num_queries(BUDGET):
        small = count_queries(c, url)
    populate(site_a, site_b, liaison_a, 60)
    with django_assert_max_num_queries(BUDGET):
        large = count_queries(c, url)
    assert small == large, f"{page}: {small} queries with few activities, {large} with many"
