"""The demo seed tells the program's story: each site's plan and a year of realistic TA."""

from __future__ import annotations

import pytest

from engagements.models import (
    ActionItem,
    Activity,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
    TARequestStatus,
)
from sites.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_seed, db):
    """The demo portfolio, seeded once per run (``demo_seed`` in tests/conftest.py)."""


def test_every_demo_site_has_a_plan_and_a_year_of_activity(seeded):
    for site in Site.objects.all():
        assert Engagement.objects.filter(site=site).exists(), site.slug
        assert Recommendation.objects.filter(engagement__site=site, number=1).exists(), site.slug
        statuses = set(
            ActionItem.objects.filter(engagement__site=site).values_list("status", flat=True)
        )
        assert len(statuses) >= 3, site.slug
        dates = Activity.objects.filter(site=site).values_list("date", flat=True)
        assert len(dates) >= 20, site.slug
        assert (max(dates) - min(dates)).days >= 300, site.slug


def test_ta_requests_in_every_status_and_a_peer_exchange(seeded):
    assert set(TARequest.objects.values_list("status", flat=True)) == set(TARequestStatus.values)
    assert PeerExchange.objects.exists()


def test_wichita_reviews_shootings_with_atf_every_two_weeks(seeded):
    reviews = Activity.objects.filter(
        site__slug="wichita", kind="case_review", agencies__kind="atf"
    ).order_by("date")
    dates = [a.date for a in reviews]
    assert len(dates) >= 24
    assert {(b - a).days for a, b in zip(dates, dates[1:], strict=False)} == {14}


def test_baton_rouge_peer_exchange_led_to_compstat_and_an_rtcc(seeded):
    exchange = PeerExchange.objects.get(visiting_site__slug="baton-rouge")
    compstat = Milestone.objects.get(site__slug="baton-rouge", title__contains="CompStat")
    rtcc = Milestone.objects.get(site__slug="baton-rouge", title__contains="Real Time Crime")
    assert exchange.date < compstat.completed_on < rtcc.completed_on
    assert exchange.practice_adopted == "yes"
    assert Activity.objects.filter(site__slug="baton-rouge", kind="peer_exchange").exists()


def test_milwaukee_analysis_support_and_baltimore_community_sessions(seeded):
    assert (
        Activity.objects.filter(
            site__slug="milwaukee", kind="data_support", summary__contains="hot-spot"
        ).count()
        >= 12
    )
    assert (
        Activity.objects.filter(
            site__slug="baltimore",
            core_areas__code="community_engagement",
            summary__startswith="Community engagement session",
        ).count()
        >= 12
    )


def test_seed_keeps_engagements_opened_by_onboarding(settings):
    """Onboarding may open engagements first; the seed adds to them instead of failing."""
    from engagements.models import CoreArea
    from engagements.services import engagement_create
    from psp.demo import engagements as demo
    from psp.demo.sites import seed as seed_demo

    settings.DEMO_MODE = True
    report = seed_demo()
    wichita = Site.objects.get(slug="wichita")
    existing = engagement_create(
        site=wichita, core_area=CoreArea.objects.get(code="gun_violence"), acting_user=None
    )
    demo.seed(report)
    existing.refresh_from_db()
    assert existing.goal.startswith("Cut nonfatal")
    assert Engagement.objects.filter(site=wichita, core_area__code="gun_violence").count() == 1
