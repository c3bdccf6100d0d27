"""Acceptance 5: every kind of notification, for users of every role (each also watching every
site and request, as if they once could see it) — and none concerns a site its recipient
cannot see."""

from __future__ import annotations

import datetime as dt

import pytest

from engagements import services as engagements
from metrics.services import stewardship
from notifications.models import Kind, Notification, Watch
from notifications.services import people
from notifications.services.digest import weekly_digests
from notifications.services.due import notifications_due
from sites.models import Site
from tests.engagements.factories import (
    ActionItemFactory,
    EngagementFactory,
    MilestoneFactory,
    PeerExchangeFactory,
    area,
)

pytestmark = pytest.mark.django_db

CSV = "month,offense,count\n2023-01,robbery,10\n2023-04,robbery,11\n"
DAY = dt.date(2026, 3, 10)


def test_no_notification_concerns_a_site_its_recipient_cannot_see(
    cast, site_a, site_b, run_import, admin
):
    for person in cast.values():
        for site in (site_a, site_b):
            Watch.objects.create(user=person, site=site)
        people.set_channel(person, Kind.WATCHED_CHANGE, "email")
    for site, liaison in ((site_a, cast["liaison_a"]), (site_b, cast["liaison_b"])):
        ta = engagements.ta_request_submit(
            site=site, acting_user=liaison, core_area=area("technology"), need="RMS."
        )
        for person in cast.values():
            Watch.objects.get_or_create(user=person, ta_request=ta, site=None)
        engagements.ta_request_transition(request=ta, acting_user=admin, to_status="under_review")
        engagements.ta_request_transition(request=ta, acting_user=admin, to_status="approved")
        run_import(site, liaison, CSV)
        stewardship.months_return(
            site=site, months=[dt.date(2023, 1, 1)], acting_user=admin, comment="Check January."
        )
        stewardship.schedule_save(
            site=site,
            acting_user=admin,
            due_days=10,
            offenses=["robbery"],
            incidents_expected=False,
            reporting_from=dt.date(2026, 1, 1),
        )
        MilestoneFactory(site=site, due_on=DAY - dt.timedelta(days=1))
        ActionItemFactory(
            engagement=EngagementFactory(site=site), due_on=DAY - dt.timedelta(days=1)
        )
    PeerExchangeFactory(host_site=site_b, visiting_site=site_a, follow_up_due=DAY)
    PeerExchangeFactory(host_site=site_a, visiting_site=site_b, follow_up_due=DAY)
    notifications_due(dt.date(2026, 3, 5))
    notifications_due(dt.date(2026, 3, 11))
    weekly_digests(dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC))  # Monday, morning in the US

    made = set(Notification.objects.values_list("kind", flat=True))
    assert made == set(Kind.values), f"kinds never made: {set(Kind.values) - made}"
    for n in Notification.objects.select_related("recipient", "site"):
        if n.site is not None:
            assert Site.objects.for_user(n.recipient).filter(pk=n.site.pk).exists(), (
                f"{n.recipient.email} told about {n.site.slug}: {n.title}"
            )
    # Everyone with a role somewhere heard something; nobody heard of a site outside it.
    outsider = cast["outsider"]
    assert not Notification.objects.filter(recipient=outsider, site__isnull=False).exists()
    assert Notification.objects.filter(recipient=cast["liaison_b"], site=site_b).exists()
    assert not Notification.objects.filter(recipient=cast["liaison_b"], site=site_a).exists()
