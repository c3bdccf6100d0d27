"""The weekly digest: Monday from 07:00 in each person's own time zone, once a week, listing
the sites needing attention (the portfolio's flags) and the notifications set to the digest."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Kind, Notification, OutboxEmail
from notifications.services import people
from notifications.services.digest import time_zone_of, weekly_digests
from notifications.services.notify import notify
from tests.engagements.factories import MilestoneFactory
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def west(pm):
    """A site in Oregon managed by ``pm`` with an overdue milestone (a portfolio flag)."""
    site = SiteFactory(name="Westport", slug="westport", state="OR", program_manager=pm)
    MilestoneFactory(site=site, due_on=dt.date(2020, 1, 1))
    return site


def test_the_zone_defaults_to_the_first_site_and_can_be_chosen(pm, west, outsider, settings):
    assert time_zone_of(pm) == "America/Los_Angeles"
    assert time_zone_of(outsider) == settings.TIME_ZONE
    people.set_time_zone(pm, "America/Chicago")
    assert time_zone_of(pm) == "America/Chicago"


def test_monday_seven_in_the_pms_zone_once_a_week(pm, west):
    # Monday 2026-03-09: 07:00 in Los Angeles (PDT) is 14:00 UTC.
    assert weekly_digests(utc(2026, 3, 9, 13, 30)) == []  # 06:30 there
    assert weekly_digests(utc(2026, 3, 8, 16, 0)) == []  # Sunday there
    sent = weekly_digests(utc(2026, 3, 9, 14, 5))
    assert [p.recipient for p in sent] == [pm.email]
    assert weekly_digests(utc(2026, 3, 9, 15, 5)) == []  # the next hourly run: already sent
    email = OutboxEmail.objects.get(kind=Kind.WEEKLY_DIGEST)
    assert "Westport" in email.body_text and "Westport" in email.body_html
    assert "Overdue milestones" in email.body_text or "milestone" in email.body_text.lower()
    assert weekly_digests(utc(2026, 3, 16, 14, 5)) != []  # the next Monday: a new one


def test_digest_kinds_wait_for_the_digest_instead_of_an_email(pm, west, site_a):
    people.set_channel(pm, Kind.TA_REQUEST_SUBMITTED, "digest")
    notify(
        kind=Kind.TA_REQUEST_SUBMITTED,
        recipients=[pm],
        site=site_a,
        obj=site_a,
        period="1",
        title="TA request submitted for Alphaville",
    )
    assert not OutboxEmail.objects.exists()
    Notification.objects.update(created_at=utc(2026, 3, 8, 12, 0))
    weekly_digests(utc(2026, 3, 9, 15, 0))
    email = OutboxEmail.objects.get(kind=Kind.WEEKLY_DIGEST)
    assert "TA request submitted for Alphaville" in email.body_text


def test_no_sites_no_items_no_digest(pm, outsider):
    assert weekly_digests(utc(2026, 3, 9, 15, 0)) == []
    assert not Notification.objects.exists()


def test_digest_off_means_none(pm, west):
    people.set_channel(pm, Kind.WEEKLY_DIGEST, "off")
    assert weekly_digests(utc(2026, 3, 9, 15, 0)) == []
