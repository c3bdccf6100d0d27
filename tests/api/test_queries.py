"""Every API list answers in the same number of queries whatever the page size
(docs/design.md §8): what a row shows is loaded with the page, never row by row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import TARequestStatus
from metrics.models import DataQualityFlag, Incident, MetricResult, MonthlyCount, Offense, Upload
from tests.api.conftest import token_client
from tests.engagements.factories import (
    ActionItemFactory,
    ActivityFactory,
    EngagementFactory,
    MilestoneFactory,
    PeerExchangeFactory,
    RecommendationFactory,
    TARequestFactory,
    area,
)
from tests.factories import AgencyFactory, SiteFactory

pytestmark = pytest.mark.django_db

ROWS = 12
LISTS = [
    "sites",
    "cohorts",
    "engagements",
    "recommendations",
    "action-items",
    "milestones",
    "activities",
    "ta-requests",
    "peer-exchanges",
    "monthly-counts",
    "incidents",
    "data-quality-flags",
    "uploads",
    "metric-results",
]


@pytest.fixture
def many_rows(site_a, liaison_a, pm):
    """``ROWS`` of everything on site_a (the liaison's) and on another site."""
    robbery = Offense.objects.get(code="robbery")
    for site in (site_a, SiteFactory(name="Gammaburg", slug="gammaburg", state="OH")):
        agency = AgencyFactory(site=site)
        for code in ["gun_violence", "technology", "investigations"]:
            engagement = EngagementFactory(site=site, core_area=area(code), lead=pm)
            for _ in range(ROWS // 3):
                recommendation = RecommendationFactory(engagement=engagement)
                ActionItemFactory(engagement=engagement, recommendation=recommendation)
        for i in range(ROWS):
            activity = ActivityFactory(site=site, logged_by=liaison_a)
            activity.core_areas.set([area("gun_violence"), area("technology")])
            activity.agencies.set([agency])
            MilestoneFactory(site=site)
            TARequestFactory(site=site, status=TARequestStatus.SUBMITTED)
            upload = Upload.objects.create(
                site=site, kind="monthly_counts", original_name=f"f{i}.csv", sha256=f"{i:064d}"
            )
            month = dt.date(2020, 1 + i % 12, 1)
            MonthlyCount.objects.create(
                site=site, month=month, offense=robbery, count=i, first_count=i, upload=upload
            )
            Incident.objects.create(
                site=site, source="rms", external_id=str(i), occurred_on=month, offense=robbery
            )
            DataQualityFlag.objects.create(
                site=site, rule="DQ1", key=str(i), month=month, offense=robbery, detail="Missing."
            )
            MetricResult.objects.create(
                site=site, metric=f"m{i}", status="ok", inputs_fingerprint="x", value={"a": i}
            )
        other = SiteFactory(name=f"Peer {site.slug}", slug=f"peer-{site.slug}", state="TX")
        for _ in range(ROWS):
            exchange = PeerExchangeFactory(host_site=site, visiting_site=other)
            exchange.core_areas.set([area("technology")])


def test_list_query_counts_do_not_grow_with_page_size(many_rows, liaison_a, pm):
    """Every list, for a liaison and for staff, at page sizes 3 and 12 (one test: the rows
    take longer to build than the requests)."""
    grew = {}
    for person in (liaison_a, pm):
        client = token_client(person)
        client.get("/api/cohorts/")  # the token's first use is recorded once, outside the count
        for path in LISTS:
            counts = []
            for size in (3, ROWS):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(f"/api/{path}/", {"page_size": size})
                assert response.status_code == 200
                body = response.json()
                rows = body if isinstance(body, list) else body["results"]
                # A full page at each size, where there are that many rows to show.
                assert len(rows) == size or (path in ("sites", "cohorts", "engagements") and rows)
                counts.append(len(queries))
            if counts[0] != counts[1]:
                grew[(person.email, path)] = counts
    assert grew == {}
