"""Write notifications (and their emails) for an event or a due date, in the caller's transaction.

:func:`notify` is the one place a notification is made: it drops people who may not see the
site, applies each person's channel for the kind, and relies on the unique constraint
``(kind, object, recipient, period)`` so that writing the same thing twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from notifications.models import Channel, Kind, Notification, OutboxEmail
from notifications.services import emails
from notifications.services.recipients import channels, may_see

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site


@dataclass(frozen=True)
class Planned:
    """One notification as ``notifications_due --dry-run`` prints it."""

    kind: str
    recipient: str
    site: str | None
    object: str
    channel: str
    created: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "recipient": self.recipient,
            "site": self.site,
            "object": self.object,
            "channel": self.channel,
        }


def object_label(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def notify(
    *,
    kind: Kind | str,
    recipients: Iterable[User],
    site: Site | None,
    obj: models.Model,
    period: str,
    title: str,
    body: str = "",
    url: str = "",
    dry_run: bool = False,
) -> list[Planned]:
    """Tell each of ``recipients`` who may see ``site`` about ``obj``, by their channel for
    ``kind``; nothing for a channel that is off or a notification already written."""
    kind = Kind(kind)
    content_type = ContentType.objects.get_for_model(obj)
    out: list[Planned] = []
    for user in recipients:
        if not may_see(user, site):
            continue
        channel = channels(user)[kind]
        if channel == Channel.OFF:
            continue
        planned = Planned(kind, user.email, site.slug if site else None, object_label(obj), channel)
        if dry_run:
            exists = Notification.objects.filter(
                kind=kind,
                content_type=content_type,
                object_id=obj.pk,
                recipient=user,
                period=period,
            ).exists()
            if not exists:
                out.append(planned)
            continue
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                kind=kind,
                content_type=content_type,
                object_id=obj.pk,
                recipient=user,
                period=period,
                defaults={
                    "channel": channel,
                    "site": site,
                    "title": title[:300],
                    "body": body,
                    "url": url,
                },
            )
            if created and channel == Channel.EMAIL:
                queue_email(notification)
        if created:
            out.append(Planned(**{**planned.__dict__, "created": True}))
    return out


# While set, new emails stay queued for beat's flush instead of being sent as each event commits.
_sends_held: ContextVar[bool] = ContextVar("psp_notification_sends_held", default=False)


@contextmanager
def sends_held() -> Iterator[None]:
    """Leave the emails written inside this block queued for the outbox task. The demo seed uses
    it: run in-process, dozens of emails would print to the console and bury its sign-in lines."""
    token = _sends_held.set(True)
    try:
        yield
    finally:
        _sends_held.reset(token)


def _send_soon() -> None:
    from notifications.tasks import flush_outbox

    flush_outbox.delay()


def queue_email(notification: Notification) -> OutboxEmail:
    """The outbox row of ``notification`` (one per notification: its key is unique). Once the
    event's transaction commits the outbox is sent ("email immediately"); if the queue is down
    the row waits for beat's next flush (robust: the event itself has committed)."""
    user = notification.recipient
    rendered = emails.render(
        user_id=user.pk,
        name=user.get_short_name(),
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        url=notification.url,
    )
    email, created = OutboxEmail.objects.get_or_create(
        key=f"notification:{notification.pk}",
        defaults={
            "recipient": user,
            "notification": notification,
            "kind": notification.kind,
            "to": user.email,
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "unsubscribe_url": rendered.unsubscribe_url,
        },
    )
    if created and not _sends_held.get():
        transaction.on_commit(_send_soon, robust=True)
    return email
