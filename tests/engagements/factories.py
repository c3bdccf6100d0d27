"""factory_boy factories for the engagements app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from engagements.models import (
    ActionItem,
    Activity,
    CoreArea,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
    TARequestEvent,
)
from tests.factories import SiteFactory, UserFactory


def area(code: str) -> CoreArea:
    """One of the eight core areas (created by the data migration)."""
    return CoreArea.objects.get(code=code)


class EngagementFactory(DjangoModelFactory):
    class Meta:
        model = Engagement
        django_get_or_create = ("site", "core_area")

    site = factory.SubFactory(SiteFactory)
    core_area = factory.LazyFunction(lambda: area("gun_violence"))
    status = "active"
    goal = "Reduce shootings."


class RecommendationFactory(DjangoModelFactory):
    class Meta:
        model = Recommendation

    engagement = factory.SubFactory(EngagementFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "Hold a biweekly shooting review."
    source = "2025 assessment"


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Action item {n}")
    owner = "Police department"
    due_on = dt.date(2030, 1, 1)
    status = "on_target"


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    site = factory.SubFactory(SiteFactory)
    kind = "capability"
    title = factory.Sequence(lambda n: f"Capability {n}")
    due_on = dt.date(2030, 1, 1)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    kind = "site_visit"
    date = dt.date(2026, 3, 4)
    duration_hours = Decimal("2")
    mode = "onsite"
    summary = factory.Sequence(lambda n: f"Visit number {n}")
    logged_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def core_areas(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.core_areas.set(extracted or [area("gun_violence")])

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.agencies.set(extracted)


class TARequestFactory(DjangoModelFactory):
    class Meta:
        model = TARequest
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    requested_by = factory.SubFactory(UserFactory)
    core_area = factory.LazyFunction(lambda: area("technology"))
    need = "Help choosing a records system."

    @factory.post_generation
    def event(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            TARequestEvent.objects.create(
                request=self, from_status="", to_status=self.status, actor=self.requested_by
            )


class PeerExchangeFactory(DjangoModelFactory):
    class Meta:
        model = PeerExchange

    host_site = factory.SubFactory(SiteFactory)
    visiting_site = factory.SubFactory(SiteFactory)
    topic = "CompStat"
    date = dt.date(2026, 3, 4)
    follow_up_due = dt.date(2026, 6, 2)
