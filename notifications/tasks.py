"""Periodic work of notifications, scheduled by the one beat (psp/celery.py, README "Beat").

Both tasks are idempotent: ``notifications_due`` relies on the notification's unique constraint;
``flush_outbox`` claims each email before sending it and never sends a claimed one again, so a
task re-delivered after its worker died does not send twice.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="notifications.tasks.notifications_due", acks_late=True)
def notifications_due() -> int:
    from notifications.services.digest import weekly_digests
    from notifications.services.due import notifications_due as due

    created = due(timezone.localdate()) + weekly_digests()
    if created:
        flush_outbox.delay()
    return len(created)


@shared_task(name="notifications.tasks.flush_outbox", acks_late=True)
def flush_outbox() -> int:
    from notifications.services.outbox import flush_outbox as flush

    return len(flush().sent)
