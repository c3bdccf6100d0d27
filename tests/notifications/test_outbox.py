"""The outbox goes through Django's SMTP backend to a real SMTP server (aiosmtpd on loopback),
each email at most once: claimed as "sending" before SMTP, a dead send becomes "failed —
delivery unknown" instead of a second email, and an administrator may re-send a failed one."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements import services as engagements
from notifications.models import OutboxEmail
from notifications.services import notify, outbox
from tests.engagements.factories import area

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(site_a, pm, partner_a) -> OutboxEmail:
    engagements.ta_request_submit(
        site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS <now>."
    )
    return OutboxEmail.objects.get()


def parts(message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }


def test_an_email_reaches_the_smtp_server_with_text_and_html_and_one_click_unsubscribe(
    smtp_server, queued, pm, settings
):
    result = outbox.flush_outbox()
    assert result.sent == [queued.pk]
    [message] = smtp_server.messages
    assert message["To"] == pm.email
    assert message["Subject"].startswith("[PSP Portfolio] TA request submitted for Alphaville")
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    assert "An RMS <now>." in body["text/plain"]
    assert "An RMS &lt;now&gt;." in body["text/html"]  # escaped in HTML
    assert "<img" not in body["text/html"]  # no tracking pixel, no images
    assert "https://psp.example.gov/ta-requests/" in body["text/html"]
    assert "".join(message["List-Unsubscribe"].split()).startswith(
        "<https://psp.example.gov/notifications/unsubscribe/"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 1 and queued.sent_at is not None
    assert outbox.flush_outbox().sent == []  # a second flush sends nothing again
    assert len(smtp_server.messages) == 1


def test_a_refused_connection_marks_the_email_failed_with_the_reason(queued, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    result = outbox.flush_outbox()
    queued.refresh_from_db()
    assert result.failed == [queued.pk]
    assert queued.status == "failed" and "Connection" in queued.error


def test_an_email_left_sending_by_a_dead_sender_is_failed_not_sent_again(smtp_server, queued):
    OutboxEmail.objects.filter(pk=queued.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - dt.timedelta(minutes=20)
    )
    result = outbox.flush_outbox()
    queued.refresh_from_db()
    assert result.unknown == [queued.pk] and result.sent == []
    assert queued.status == "failed" and queued.error.startswith("Delivery unknown")
    assert smtp_server.messages == []


def test_a_recent_send_in_progress_is_left_alone(smtp_server, queued):
    OutboxEmail.objects.filter(pk=queued.pk).update(status="sending", claimed_at=timezone.now())
    assert outbox.flush_outbox().unknown == []
    queued.refresh_from_db()
    assert queued.status == "sending" and smtp_server.messages == []


def test_an_admin_resends_a_failed_email_from_the_log(smtp_server, queued, admin, client_for):
    OutboxEmail.objects.filter(pk=queued.pk).update(status="failed", error="Delivery unknown")
    page = client_for(admin).get(reverse("notifications:email_log"))
    assert page.status_code == 200 and b"Delivery unknown" in page.content
    response = client_for(admin).post(reverse("notifications:email_resend", args=[queued.pk]))
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == "sent"  # the flush ran (eager Celery in tests)
    assert len(smtp_server.messages) == 1


def test_a_sent_email_cannot_be_resent(queued, admin, client_for, smtp_server):
    outbox.flush_outbox()
    client_for(admin).post(reverse("notifications:email_resend", args=[queued.pk]))
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("role", ["pm", "auditor", "liaison_a", "partner_a", "outsider"])
def test_only_admins_see_the_log_and_resend(cast, client_for, queued, role):
    OutboxEmail.objects.filter(pk=queued.pk).update(status="failed")
    c = client_for(cast[role])
    assert c.get(reverse("notifications:email_log")).status_code == 403
    assert c.post(reverse("notifications:email_resend", args=[queued.pk])).status_code == 403
    queued.refresh_from_db()
    assert queued.status == "failed"


@pytest.mark.parametrize("held", [False, True])
def test_held_sends_leave_the_email_queued_for_the_flush(
    site_a, pm, partner_a, django_capture_on_commit_callbacks, mailoutbox, held
):
    """The demo seed holds sends so its emails wait in the outbox instead of flooding the
    console; outside the block an email goes out as its event commits."""
    with django_capture_on_commit_callbacks(execute=True):
        with notify.sends_held() if held else contextlib.nullcontext():
            engagements.ta_request_submit(
                site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS."
            )
    email = OutboxEmail.objects.get()
    assert email.status == ("queued" if held else "sent")
    assert len(mailoutbox) == (0 if held else 1)
