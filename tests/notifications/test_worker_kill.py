"""Acceptance 1, with real processes: a Celery worker (``celery worker`` on a redis-server of
the test's own) is killed while the SMTP server holds the message it is sending, then restarted.
The email is never sent a second time: it stays "sending" until the sweeper fails it as
"delivery unknown"; a later email goes out once. Needs PostgreSQL (the worker shares the
test database) and redis-server."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import threading

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from engagements import services as engagements
from notifications.models import OutboxEmail
from notifications.tasks import flush_outbox
from tests.engagements.factories import area
from tests.processes import free_port, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class HoldingInbox:
    """Takes each message at DATA; while ``hold`` is set it does not answer (the sender waits
    for the reply, as with a slow mail server), so the worker can be killed mid-send."""

    def __init__(self) -> None:
        self.received: list[str] = []  # the X-PSP-Outbox key of every message that came in
        self.hold = threading.Event()
        self.got = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.received.append(email.message_from_bytes(envelope.content)["X-PSP-Outbox"])
        self.got.set()
        while self.hold.is_set():
            await asyncio.sleep(0.1)
        return "250 Message accepted for delivery"


@pytest.fixture
def holding_smtp(monkeypatch):
    inbox = HoldingInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    # The worker process reads its email settings from the environment, as in production.
    for name, value in {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield inbox
    finally:
        inbox.hold.clear()
        controller.stop()


def _status(row: OutboxEmail) -> str:
    row.refresh_from_db()
    return row.status


def test_fault_worker_killed_mid_send_then_restarted_never_sends_twice(
    holding_smtp, own_redis, worker, site_a, pm, partner_a, liaison_a
):
    engagements.ta_request_submit(
        site=site_a, acting_user=partner_a, core_area=area("technology"), need="An RMS."
    )
    first = OutboxEmail.objects.get()
    holding_smtp.hold.set()
    worker.start()
    flush_outbox.delay()
    assert holding_smtp.got.wait(120), "the worker never reached the SMTP server"
    assert _status(first) == "sending"
    worker.kill()  # parent and child, while the server holds the message
    holding_smtp.hold.clear()
    assert _status(first) == "sending" and first.attempts == 1

    worker.start()
    flush_outbox.delay()  # the restarted worker sends the queue again: nothing is queued
    second_event = engagements.ta_request_submit(
        site=site_a, acting_user=liaison_a, core_area=area("technology"), need="Training."
    )
    second = OutboxEmail.objects.exclude(pk=first.pk).get()
    assert second_event.pk
    flush_outbox.delay()
    wait_until(lambda: _status(second) == "sent", what="the second email")
    assert _status(first) == "sending"

    # A quarter of an hour later the sweeper gives up on the first: delivery unknown, not resent.
    OutboxEmail.objects.filter(pk=first.pk).update(
        claimed_at=timezone.now() - dt.timedelta(minutes=16)
    )
    flush_outbox.delay()
    wait_until(lambda: _status(first) == "failed", what="the sweep")
    assert first.error.startswith("Delivery unknown")
    assert holding_smtp.received.count(first.key) == 1
    assert holding_smtp.received.count(second.key) == 1
    assert sorted(holding_smtp.received) == sorted([first.key, second.key])
