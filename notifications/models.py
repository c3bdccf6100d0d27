"""Notifications (issue 15): what a person is told, the email outbox, preferences and watches.

A :class:`Notification` is written in the transaction of the event it reports (or by the
periodic task for time-based ones); when the recipient wants email for its kind, an
:class:`OutboxEmail` is written beside it. The outbox is sent at most once per row
(docs/decisions/0008-notifications-at-most-once.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    MILESTONE_OVERDUE = "milestone_overdue", "A milestone became overdue"
    ACTION_ITEM_OVERDUE = "action_item_overdue", "An action item became overdue"
    FOLLOW_UP_DUE = "follow_up_due", "A peer exchange's 90-day follow-up is due"
    DATA_DUE_SOON = "data_due_soon", "Monthly data due in 5 days"
    DATA_OVERDUE = "data_overdue", "Monthly data overdue"
    TA_REQUEST_SUBMITTED = "ta_request_submitted", "A TA request was submitted"
    TA_REQUEST_DECIDED = "ta_request_decided", "A TA request was decided"
    DATA_SUBMITTED = "data_submitted", "Data submitted for review"
    DATA_RETURNED = "data_returned", "Submitted data returned with a comment"
    FLAG_RAISED = "flag_raised", "A data-quality flag was raised"
    WATCHED_CHANGE = "watched_change", "A site or TA request I watch changed"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest of sites needing attention"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app only"
    EMAIL = "email", "Email immediately"
    DIGEST = "digest", "In the weekly digest"
    OFF = "off", "Off"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing one person is told, in the app (the bell) and perhaps by email.

    ``period`` tells occurrences of the same kind about the same object apart: the event's id
    for an event, the due date for an overdue item, the month for data due. The unique
    constraint makes writing it twice (the periodic task run twice for a day) a no-op.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.IN_APP)
    site = models.ForeignKey(
        "sites.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    period = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "recipient", "period"],
                name="notification_once_per_event_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]), name="notification_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxEmail(models.Model):
    """One email to send, written with its notification; ``key`` is unique, so the same event
    (or the same week's digest) never makes two rows for one recipient."""

    key = models.CharField(max_length=80, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    notification = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="email"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    unsubscribe_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outgoing email"
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in OutboxStatus]),
                name="outbox_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject} ({self.status})"


class Preference(models.Model):
    """How one person wants one kind: in the app only, email now, weekly digest, or off.
    No row: the kind's default (:data:`notifications.services.recipients.DEFAULT_CHANNELS`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_user_kind"),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]),
                name="preference_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"


class DigestSetting(models.Model):
    """The time zone a person's weekly digest is sent in (Monday morning, local time). No row:
    the zone of their first site, else the project's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_setting"
    )
    time_zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.user}: {self.time_zone}"


class Watch(models.Model):
    """A person hears of every change to a site or to one TA request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    site = models.ForeignKey(
        "sites.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ta_request = models.ForeignKey(
        "engagements.TARequest", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(site__isnull=False) & Q(ta_request__isnull=True))
                | (Q(site__isnull=True) & Q(ta_request__isnull=False)),
                name="watch_site_xor_request",
            ),
            models.UniqueConstraint(
                fields=["user", "site"], condition=Q(site__isnull=False), name="watch_unique_site"
            ),
            models.UniqueConstraint(
                fields=["user", "ta_request"],
                condition=Q(ta_request__isnull=False),
                name="watch_unique_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.site or self.ta_request}"
