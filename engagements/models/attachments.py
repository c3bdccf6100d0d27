"""Documents attached to a site or to one of its engagements, milestones or activities: the
assessment report and the strategic plan the engagement turns on, agendas, anything else."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sites.models import SiteScopedQuerySet

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class AttachmentKind(models.TextChoices):
    ASSESSMENT_REPORT = "assessment_report", "Assessment report"
    STRATEGIC_PLAN = "strategic_plan", "Strategic plan"
    AGENDA = "agenda", "Agenda"
    OTHER = "other", "Other"


class AttachmentQuerySet(SiteScopedQuerySet["Attachment"]):
    site_path = "site"


class Attachment(models.Model):
    """One stored document. The file lives outside the web root under the configured upload
    directory, named by a random id (never by the uploader's file name), and is served only by
    a view that checks the reader may see the site. Its type was recognised from its content."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="attachments")
    engagement = models.ForeignKey(
        "engagements.Engagement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    milestone = models.ForeignKey(
        "engagements.Milestone",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    activity = models.ForeignKey(
        "engagements.Activity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in AttachmentKind]),
                name="attachment_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(size__lte=MAX_ATTACHMENT_BYTES), name="attachment_size_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def clean(self) -> None:
        """The object it is attached to belongs to its site."""
        errors: dict[str, str] = {}
        for field in ("engagement", "milestone", "activity"):
            target = getattr(self, field) if getattr(self, f"{field}_id") else None
            if target is not None and target.site_id != self.site_id:
                errors[field] = f"Choose a {field} of this site."
        if errors:
            raise ValidationError(errors)

    @property
    def attached_to(self) -> object:
        """The most specific record it is attached to (the site when none)."""
        return self.activity or self.milestone or self.engagement or self.site
