"""The Data page's stewardship sections: who may set the schedule, review months and decide flags
in bulk (URL × role), and what a liaison sees of a return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from metrics.models import DataQualityFlag, MonthReview, ReportingSchedule
from metrics.services import stewardship

pytestmark = pytest.mark.django_db

CSV = "month,offense,count\n2023-01,robbery,10\n2023-04,robbery,11\n"


@pytest.fixture
def submitted(site_a, liaison_a, run_import):
    return run_import(site_a, liaison_a, CSV)


REVIEWERS = {"admin", "pm"}


@pytest.mark.parametrize(
    "role", ["admin", "pm", "auditor", "liaison_a", "partner_a", "liaison_b", "outsider"]
)
def test_review_by_role(cast, client_for, site_a, submitted, role):
    url = reverse("metrics:months_review", args=[site_a.slug])
    response = client_for(cast[role]).post(url, {"action": "approve", "months": ["2023-01-01"]})
    state = MonthReview.objects.get(site=site_a, month="2023-01-01").state
    if role in ("liaison_b", "outsider"):
        assert response.status_code == 404
    elif role in REVIEWERS:
        assert response.status_code == 302
        assert state == "approved"
    else:
        assert response.status_code == 403
    if role not in REVIEWERS:
        assert state == "submitted"


@pytest.mark.parametrize("role", ["admin", "pm", "auditor", "liaison_a", "partner_a"])
def test_only_admins_set_the_schedule(cast, client_for, site_a, role):
    url = reverse("metrics:schedule_update", args=[site_a.slug])
    response = client_for(cast[role]).post(
        url, {"due_days": "45", "offenses": ["robbery"], "reporting_from": "2026-01"}
    )
    saved = ReportingSchedule.objects.filter(site=site_a).first()
    if role == "admin":
        assert response.status_code == 302
        assert saved is not None and saved.due_days == 45
    else:
        assert response.status_code == 403
        assert saved is None


@pytest.mark.parametrize("role", ["admin", "pm", "liaison_a", "auditor", "partner_a"])
def test_bulk_flags_by_role(cast, client_for, site_a, submitted, role):
    ids = list(DataQualityFlag.objects.filter(site=site_a).values_list("pk", flat=True))
    url = reverse("metrics:flags_bulk", args=[site_a.slug])
    response = client_for(cast[role]).post(
        url, {"flags": ids, "action": "resolve", "note": "Old RMS gap."}
    )
    statuses = set(DataQualityFlag.objects.filter(pk__in=ids).values_list("status", flat=True))
    if role in ("admin", "pm", "liaison_a"):
        assert response.status_code == 302
        assert statuses == {"resolved"}
    else:
        assert response.status_code == 403
        assert statuses == {"open"}


def test_the_liaison_sees_the_return_comment_and_history(
    client_for, site_a, liaison_a, pm, submitted
):
    stewardship.months_return(
        site=site_a,
        months=[dt.date(2023, 1, 1)],
        acting_user=pm,
        comment="January robbery is a duplicate.",
    )
    body = client_for(liaison_a).get(reverse("metrics:data", args=[site_a.slug])).content.decode()
    assert "Months returned to the site" in body
    assert "January robbery is a duplicate." in body
    assert "Returned" in body and "Submitted" in body
    assert 'name="action" value="approve"' not in body  # a liaison cannot decide


def test_a_return_without_comment_changes_nothing(client_for, site_a, pm, submitted):
    url = reverse("metrics:months_review", args=[site_a.slug])
    response = client_for(pm).post(url, {"action": "return", "months": ["2023-01-01"]}, follow=True)
    assert "comment is required" in response.content.decode()
    assert MonthReview.objects.get(site=site_a, month="2023-01-01").state == "submitted"
