"""TA requests: a site asks for help, BJA decides, a liaison schedules and delivers it."""

from __future__ import annotations

from typing import Any

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


def _serves(model: str) -> models.ForeignKey[Any, Any]:
    """An optional link from a request to a record of its site that it serves."""
    return models.ForeignKey(
        model, on_delete=models.SET_NULL, null=True, blank=True, related_name="ta_requests"
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
    # What the request serves, so the chain assessment → recommendation → action item → TA →
    # activity can be followed both ways (issue 16). All optional; all of the same site.
    engagement = _serves("engagements.Engagement")
    recommendation = _serves("engagements.Recommendation")
    action_item = _serves("engagements.ActionItem")
    milestone = _serves("engagements.Milestone")

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

    def clean(self) -> None:
        """What the request serves belongs to its site, and hangs together: an action item's
        recommendation and engagement are the request's own."""
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        engagement = self.engagement if self.engagement_id else None
        recommendation = self.recommendation if self.recommendation_id else None
        item = self.action_item if self.action_item_id else None
        milestone = self.milestone if self.milestone_id else None
        if engagement is not None and engagement.site_id != self.site_id:
            errors["engagement"] = "Choose an engagement of this site."
        if milestone is not None and milestone.site_id != self.site_id:
            errors["milestone"] = "Choose a milestone of this site."
        if recommendation is not None and engagement is not None:
            if recommendation.engagement_id != engagement.pk:
                errors["recommendation"] = "Choose a recommendation of the chosen engagement."
        if item is not None and engagement is not None and item.engagement_id != engagement.pk:
            errors["action_item"] = "Choose an action item of the chosen engagement."
        if (
            item is not None
            and recommendation is not None
            and item.recommendation_id not in (None, recommendation.pk)
        ):
            errors["action_item"] = "This action item answers another recommendation."
        if errors:
            raise ValidationError(errors)

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
