"""Issue 16: deleting a mistaken activity (with a 30-day "Undo", history kept) and an idempotent
"Log again" that says what it did."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from engagements import services
from engagements.models import Activity

pytestmark = pytest.mark.django_db


def again(client, activity, token):
    return client.post(
        reverse("engagements:activity_again", args=[activity.pk]),
        {"token": str(token)},
        follow=True,
    )


def test_two_clicks_with_one_token_log_the_activity_once_and_say_so(client_for, liaison_a, work_a):
    client = client_for(liaison_a)
    token = uuid.uuid4()
    first = again(client, work_a["activity"], token)
    second = again(client, work_a["activity"], token)
    assert Activity.objects.filter(site=work_a["activity"].site).count() == 2
    assert "Logged again for today" in first.content.decode()
    assert "Already logged with this click" in second.content.decode()


def test_each_new_click_carries_a_new_token_and_logs_again(client_for, liaison_a, work_a):
    client = client_for(liaison_a)
    again(client, work_a["activity"], uuid.uuid4())
    again(client, work_a["activity"], uuid.uuid4())
    assert Activity.objects.filter(site=work_a["activity"].site).count() == 3


def test_the_timeline_renders_a_fresh_token_in_each_log_again_form(client_for, liaison_a, work_a):
    page = client_for(liaison_a).get(reverse("engagements:timeline", args=["alphaville"]))
    body = page.content.decode()
    assert body.count('name="token"') == 1
    first = body.split('name="token" value="')[1][:36]
    second = (
        client_for(liaison_a)
        .get(reverse("engagements:timeline", args=["alphaville"]))
        .content.decode()
        .split('name="token" value="')[1][:36]
    )
    assert uuid.UUID(first) != uuid.UUID(second)


def test_log_again_without_a_token_is_refused(client_for, liaison_a, work_a):
    response = client_for(liaison_a).post(
        reverse("engagements:activity_again", args=[work_a["activity"].pk])
    )
    assert response.status_code == 400
    assert Activity.objects.count() == 1


def test_delete_hides_the_activity_keeps_its_history_and_undo_restores_it(
    client_for, liaison_a, work_a
):
    activity = work_a["activity"]
    client = client_for(liaison_a)
    response = client.post(reverse("engagements:activity_delete", args=[activity.pk]), follow=True)
    assert "Deleted:" in response.content.decode()
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert "Recently deleted" in response.content.decode()
    # Edit and log-again of a deleted activity are "not found".
    assert client.get(reverse("engagements:activity_edit", args=[activity.pk])).status_code == 404
    history = Activity.history.filter(id=activity.pk).order_by("-history_date").first()
    assert history.deleted_at is not None and history.history_user == liaison_a
    response = client.post(reverse("engagements:activity_restore", args=[activity.pk]))
    assert response.status_code == 302
    assert Activity.objects.filter(pk=activity.pk).exists()
    reasons = list(
        Activity.history.filter(id=activity.pk)
        .order_by("history_date")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons[-2:] == ["Deleted", "Restored"]


def test_undo_is_refused_after_thirty_days(liaison_a, work_a):
    activity = services.activity_delete(activity=work_a["activity"], acting_user=liaison_a)
    Activity.all_objects.filter(pk=activity.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=30, minutes=1)
    )
    with pytest.raises(ValidationError, match="more than 30 days ago"):
        services.activity_restore(activity=activity, acting_user=liaison_a)
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_undo_is_allowed_just_inside_thirty_days(liaison_a, work_a):
    activity = services.activity_delete(activity=work_a["activity"], acting_user=liaison_a)
    Activity.all_objects.filter(pk=activity.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=29, hours=23)
    )
    services.activity_restore(activity=activity, acting_user=liaison_a)
    assert Activity.objects.filter(pk=activity.pk).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 302),
        ("pm", 302),
        ("liaison_a", 302),
        ("auditor", 403),
        ("partner_a", 403),
        ("liaison_b", 404),
        ("outsider", 404),
    ],
)
def test_who_may_undo_a_deletion(cast, client_for, role, status, liaison_a, work_a):
    services.activity_delete(activity=work_a["activity"], acting_user=liaison_a)
    url = reverse("engagements:activity_restore", args=[work_a["activity"].pk])
    assert client_for(cast[role]).post(url).status_code == status
    assert client_for(cast[role]).get(url).status_code in (405, 302)
