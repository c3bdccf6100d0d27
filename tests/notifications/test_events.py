"""Event notifications: written by the services in the transaction of the event, to the people
the event concerns, never to the person who acted, never about a site one cannot see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from engagements import services as engagements
from metrics.services import stewardship
from notifications.models import Kind, Notification, OutboxEmail, Watch
from tests.engagements.factories import TARequestFactory, area

pytestmark = pytest.mark.django_db

CSV = "month,offense,count\n2023-01,robbery,10\n2023-04,robbery,11\n"


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_a_submitted_ta_request_tells_the_program_manager_by_app_and_email(
    site_a, pm, liaison_a, liaison_b, partner_a
):
    ta = engagements.ta_request_submit(
        site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS."
    )
    assert told(Kind.TA_REQUEST_SUBMITTED) == {pm.email}
    n = Notification.objects.get(kind=Kind.TA_REQUEST_SUBMITTED)
    assert n.subject == ta and n.site == site_a and n.url == f"/ta-requests/{ta.pk}/"
    email = OutboxEmail.objects.get(notification=n)
    assert email.to == pm.email and email.status == "queued"
    assert "An RMS." in email.body_text


def test_a_decision_tells_the_liaisons_and_the_requester_not_the_decider(
    site_a, pm, liaison_a, partner_a, liaison_b
):
    ta = engagements.ta_request_submit(
        site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS."
    )
    engagements.ta_request_transition(request=ta, acting_user=pm, to_status="under_review")
    engagements.ta_request_transition(
        request=ta, acting_user=pm, to_status="declined", note="Not this year."
    )
    assert told(Kind.TA_REQUEST_DECIDED) == {liaison_a.email, partner_a.email}
    n = Notification.objects.filter(kind=Kind.TA_REQUEST_DECIDED).first()
    assert n is not None and "declined" in n.title and n.body == "Not this year."


def test_nothing_is_written_when_the_event_rolls_back(site_a, pm, partner_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        engagements.ta_request_submit(
            site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS."
        )
        raise RuntimeError("the view failed after the service")
    assert not Notification.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_submitted_data_tells_the_pm_and_a_return_tells_the_liaison_with_the_comment(
    site_a, pm, liaison_a, liaison_b, run_import
):
    run_import(site_a, liaison_a, CSV)
    assert told(Kind.DATA_SUBMITTED) == {pm.email}
    stewardship.months_return(
        site=site_a,
        months=[dt.date(2023, 1, 1)],
        acting_user=pm,
        comment="January robbery looks doubled.",
    )
    assert told(Kind.DATA_RETURNED) == {liaison_a.email}
    n = Notification.objects.get(kind=Kind.DATA_RETURNED)
    assert n.body == "January robbery looks doubled." and "Jan 2023" in n.title


def test_a_raised_quality_flag_tells_the_site_liaisons_only(
    site_a, liaison_a, liaison_b, run_import
):
    run_import(site_a, liaison_a, CSV)  # a gap of two months raises a flag
    # The quality check raises it (no person acted), so the liaison who uploaded is told too.
    assert told(Kind.FLAG_RAISED) == {liaison_a.email}
    n = Notification.objects.get(kind=Kind.FLAG_RAISED)
    assert n.site == site_a and n.url.startswith(f"/sites/{site_a.slug}/data/#flag-")


def test_watchers_hear_of_every_step_of_a_request(site_a, pm, liaison_a, auditor, partner_a):
    ta = TARequestFactory(site=site_a, requested_by=partner_a, status="submitted")
    Watch.objects.create(user=auditor, ta_request=ta)
    engagements.ta_request_transition(request=ta, acting_user=pm, to_status="under_review")
    engagements.ta_request_transition(request=ta, acting_user=pm, to_status="approved")
    titles = list(
        Notification.objects.filter(recipient=auditor, kind=Kind.WATCHED_CHANGE)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert len(titles) == 2 and "under review" in titles[0] and "approved" in titles[1]


def test_a_watcher_who_can_no_longer_see_the_site_is_not_told(site_a, pm, liaison_b, partner_a):
    Watch.objects.create(user=liaison_b, site=site_a)  # e.g. moved off the site since
    engagements.ta_request_submit(
        site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS."
    )
    assert not Notification.objects.filter(recipient=liaison_b).exists()
