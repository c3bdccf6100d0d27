"""TA requests: a site asks for help, BJA decides, a liaison schedules and delivers it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sites.models import SiteScopedQuerySet


class TARequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    DELIVERED = "delivered", "Delivered"
    DECLINED = "declined", "Declined"


# The only moves a request can make; anything else skips a step and is refused.
TA_TRANSITIONS: dict[str, tuple[str, ...]] = {
    TARequestStatus.SUBMITTED: (TARequestStatus.UNDER_REVIEW,),
    TARequestStatus.UNDER_REVIEW: (TARequestStatus.APPROVED, TARequestStatus.DECLINED),
    TARequestStatus.APPROVED: (TARequestStatus.SCHEDULED,),
    TARequestStatus.SCHEDULED: (TARequestStatus.DELIVERED,),
    TARequestStatus.DELIVERED: (),
    TARequestStatus.DECLINED: (),
}
OPEN_TA_STATUSES = (
    TARequestStatus.SUBMITTED,
    TARequestStatus.UNDER_REVIEW,
    TARequestStatus.APPROVED,
    TARequestStatus.SCHEDULED,
)


class TARequestQuerySet(SiteScopedQuerySet["TARequest"]):
    site_path = "site"

    def open(self) -> TARequestQuerySet:
        return self.filter(status__in=OPEN_TA_STATUSES)


class TARequest(models.Model):
    """A site's request for training or technical assistance in one core area."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="ta_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ta_requests"
    )
    core_area = models.ForeignKey(
        "engagements.CoreArea", on_delete=models.PROTECT, related_name="ta_requests"
    )
    need = models.TextField(help_text="What help is needed, by when, and for whom.")
    status = models.CharField(
        max_length=20, choices=TARequestStatus.choices, default=TARequestStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    scheduled_for = models.DateField(null=True, blank=True)
    delivered_by = models.ForeignKey(
        "engagements.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ta_requests",
    )

    history = HistoricalRecords()
    objects = TARequestQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "TA request"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in TARequestStatus]),
                name="ta_request_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(scheduled_for__isnull=False),
                name="ta_request_scheduled_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="delivered") | models.Q(delivered_by__isnull=False),
                name="ta_request_delivered_has_activity",
            ),
        ]

    def __str__(self) -> str:
        return f"TA request #{self.pk}: {self.core_area.name}"

    def next_statuses(self) -> tuple[str, ...]:
        return TA_TRANSITIONS.get(self.status, ())


class TARequestEvent(models.Model):
    """One step in a TA request's life: who moved it, when, from what to what, and why."""

    request = models.ForeignKey(TARequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=TARequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TARequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
