"""Sending the outbox at most once per row (docs/decisions/0008-notifications-at-most-once.md).

A row is claimed — committed as ``sending`` — before the SMTP conversation starts. If the
process dies mid-send, nobody knows whether the server took the message; the row stays
``sending`` and :func:`sweep_sending` marks it ``failed`` with "delivery unknown" instead of
sending it again. An administrator may re-send a failed row from the email log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

# A send that has not finished after this long died with its worker (an SMTP send takes
# seconds; the task's hard limit is far below this).
SENDING_STALE_AFTER = dt.timedelta(minutes=15)
DELIVERY_UNKNOWN = (
    "Delivery unknown: the sender stopped while talking to the mail server, so the email may or "
    "may not have arrived. It is not sent again by itself; re-send it from the email log."
)


@dataclass
class FlushResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


def _claim() -> OutboxEmail | None:
    """Commit the oldest queued row as ``sending`` (another sender skips it) and return it."""
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.QUEUED)
            .order_by("created_at", "id")
            .first()
        )
        if email is None:
            return None
        email.status = OutboxStatus.SENDING
        email.attempts += 1
        email.claimed_at = timezone.now()
        email.error = ""
        email.save(update_fields=["status", "attempts", "claimed_at", "error"])
    return email


def message(email: OutboxEmail, connection: object = None) -> EmailMultiAlternatives:
    headers = {"X-PSP-Outbox": email.key}
    if email.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=headers,
        connection=connection,
    )
    msg.attach_alternative(email.body_html, "text/html")
    return msg


def flush_outbox(limit: int = 200) -> FlushResult:
    """Send queued emails, oldest first, each at most once; then sweep dead sends."""
    result = FlushResult()
    result.unknown = sweep_sending()
    connection = get_connection(fail_silently=False)
    for _ in range(limit):
        email = _claim()
        if email is None:
            break
        try:
            message(email, connection).send()
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
            log.warning("email %s to %s failed: %s", email.pk, email.to, exc)
            OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            result.failed.append(email.pk)
            continue
        OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.SENT, sent_at=timezone.now()
        )
        result.sent.append(email.pk)
    try:
        connection.close()
    except Exception:  # noqa: BLE001, S110 - closing a broken connection
        pass
    return result


def sweep_sending(now: dt.datetime | None = None) -> list[int]:
    """Rows left ``sending`` by a dead sender become ``failed`` (delivery unknown)."""
    cutoff = (now or timezone.now()) - SENDING_STALE_AFTER
    stale = OutboxEmail.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        OutboxEmail.objects.filter(pk__in=ids, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.FAILED, error=DELIVERY_UNKNOWN
        )
    return ids


def resend(email: OutboxEmail) -> bool:
    """Put a failed email back in the queue (an administrator's decision); ``False`` otherwise."""
    updated = OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.QUEUED, claimed_at=None
    )
    return bool(updated)
