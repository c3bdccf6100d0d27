"""The periodic task: overdue milestones and action items, 90-day follow-ups, data due in 5 days
and overdue; written once however often it runs, and ``--dry-run`` prints without writing."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from metrics.services import stewardship
from notifications.models import Kind, Notification, OutboxEmail
from notifications.services.due import notifications_due
from tests.engagements.factories import (
    ActionItemFactory,
    EngagementFactory,
    MilestoneFactory,
    PeerExchangeFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def overdue(site_a, site_b, liaison_a):
    m = MilestoneFactory(
        site=site_a, title="Crime-gun intelligence center", due_on=DAY.replace(day=1)
    )
    a = ActionItemFactory(
        engagement=EngagementFactory(site=site_a),
        title="Adopt NIBIN leads",
        due_on=DAY.replace(day=9),
    )
    x = PeerExchangeFactory(
        host_site=site_b,
        visiting_site=site_a,
        date=dt.date(2025, 12, 1),
        follow_up_due=DAY + dt.timedelta(days=3),
    )
    return m, a, x


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_overdue_and_due_soon_items_tell_the_site_liaisons_once(overdue, liaison_a, liaison_b):
    first = notifications_due(DAY)
    assert kinds(liaison_a) == [
        Kind.ACTION_ITEM_OVERDUE,
        Kind.FOLLOW_UP_DUE,
        Kind.MILESTONE_OVERDUE,
    ]
    assert kinds(liaison_b) == []  # the host site's liaison is not the one to follow up
    assert OutboxEmail.objects.filter(recipient=liaison_a).count() == 3
    again = notifications_due(DAY)  # the same day, run again (or every hour): nothing new
    again_next_day = notifications_due(DAY + dt.timedelta(days=1))
    assert len(first) == 3 and again == [] and again_next_day == []
    assert Notification.objects.count() == 3 and OutboxEmail.objects.count() == 3


def test_nothing_due_tells_nobody(site_a, liaison_a):
    MilestoneFactory(site=site_a, due_on=DAY + dt.timedelta(days=30))
    MilestoneFactory(site=site_a, due_on=DAY - dt.timedelta(days=30), completed_on=DAY)
    ActionItemFactory(
        engagement=EngagementFactory(site=site_a),
        due_on=DAY - dt.timedelta(days=1),
        status="complete",
        completed_on=DAY,
    )
    PeerExchangeFactory(
        visiting_site=site_a,
        date=dt.date(2025, 12, 1),
        follow_up_due=DAY,
        practice_adopted="yes",
    )
    assert notifications_due(DAY) == []
    assert not Notification.objects.exists()


def test_a_moved_due_date_is_told_again(overdue, liaison_a):
    m, _, _ = overdue
    notifications_due(DAY)
    m.due_on = DAY - dt.timedelta(days=2)
    m.save()
    notifications_due(DAY)
    assert Notification.objects.filter(kind=Kind.MILESTONE_OVERDUE).count() == 2


def test_monthly_data_due_in_five_days_and_then_overdue(site_a, liaison_a, admin):
    stewardship.schedule_save(
        site=site_a,
        acting_user=admin,
        due_days=10,
        offenses=["robbery"],
        incidents_expected=False,
        reporting_from=dt.date(2026, 1, 1),
    )
    # February is due on March 10; five days before, the liaison hears it is due.
    notifications_due(dt.date(2026, 3, 5))
    soon = Notification.objects.get(recipient=liaison_a, kind=Kind.DATA_DUE_SOON)
    assert "February 2026" in soon.title and soon.period == "2026-02-01"
    assert not Notification.objects.filter(kind=Kind.DATA_OVERDUE, period="2026-02-01").exists()
    notifications_due(dt.date(2026, 3, 11))
    late = Notification.objects.get(kind=Kind.DATA_OVERDUE, period="2026-02-01")
    assert late.recipient == liaison_a and "overdue" in late.title
    assert Notification.objects.filter(kind=Kind.DATA_DUE_SOON, period="2026-02-01").count() == 1


def test_dry_run_prints_json_lines_and_writes_nothing(overdue, liaison_a, site_a):
    out = io.StringIO()
    call_command("notifications_due", "--date", DAY.isoformat(), "--dry-run", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {line["kind"] for line in lines} == {
        "milestone_overdue",
        "action_item_overdue",
        "follow_up_due",
    }
    for line in lines:
        assert set(line) == {"kind", "recipient", "site", "object", "channel"}
        assert line["recipient"] == liaison_a.email and line["site"] == site_a.slug
        assert line["channel"] == "email"
    assert not Notification.objects.exists() and not OutboxEmail.objects.exists()


def test_the_command_refuses_a_date_it_cannot_read():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026-13-40"):
        call_command("notifications_due", "--date", "2026-13-40", "--dry-run")


def test_beat_schedules_the_hourly_task_and_the_outbox_every_two_minutes():
    from psp.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule["notifications-due"]["task"] == "notifications.tasks.notifications_due"
    assert str(schedule["notifications-due"]["schedule"].minute) == "{5}"
    assert schedule["flush-outbox"]["schedule"].minute == set(range(0, 60, 2))
