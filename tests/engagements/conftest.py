"""Fixtures of the engagements tests: a little of everything at site_a, and a third site (site_c)
that only staff can see."""

from __future__ import annotations

import pytest

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


@pytest.fixture
def site_c(db):
    return SiteFactory(name="Gammaburg", slug="gammaburg", state="OH")


@pytest.fixture
def work_a(site_a, site_c, liaison_a, partner_a):
    """site_a's plan and TA: engagement, recommendation, action item, milestone, agencies,
    an activity, a submitted TA request and a peer exchange with site_c."""
    engagement = EngagementFactory(site=site_a, core_area=area("gun_violence"))
    rec = RecommendationFactory(engagement=engagement, number=1)
    atf = AgencyFactory(site=site_a, name="ATF Kansas City Field Division", kind="atf")
    police = AgencyFactory(site=site_a, name="Alphaville Police Department", kind="police")
    activity = ActivityFactory(
        site=site_a, engagement=engagement, logged_by=liaison_a, agencies=[atf]
    )
    return {
        "engagement": engagement,
        "recommendation": rec,
        "item": ActionItemFactory(engagement=engagement, recommendation=rec),
        "milestone": MilestoneFactory(site=site_a),
        "atf": atf,
        "police": police,
        "activity": activity,
        "ta": TARequestFactory(site=site_a, requested_by=partner_a),
        "exchange": PeerExchangeFactory(host_site=site_c, visiting_site=site_a),
    }
