"""Core areas, engagements per site and core area, and milestones.

Activities, recommendations, action items, TA requests and peer exchanges follow (issue 4)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from simple_history.models import HistoricalRecords

from sites.models import SiteScopedQuerySet

# The eight fixed core areas, created by a data migration (code, name).
CORE_AREAS: list[tuple[str, str]] = [
    ("community_engagement", "Community engagement"),
    ("constitutional_policing", "Constitutional policing"),
    ("crime_analysis", "Crime analysis"),
    ("criminal_justice_collaboration", "Criminal justice collaboration"),
    ("federal_partnerships", "Federal partnerships"),
    ("gun_violence", "Gun violence"),
    ("investigations", "Investigations"),
    ("technology", "Technology"),
]


class CoreArea(models.Model):
    """One of PSP's eight fixed core areas of training and technical assistance."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class EngagementStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"


class EngagementPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Engagement(models.Model):
    """The work at one site in one core area the site has prioritised (unique per pair)."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="engagements")
    core_area = models.ForeignKey(CoreArea, on_delete=models.PROTECT, related_name="engagements")
    status = models.CharField(
        max_length=20, choices=EngagementStatus.choices, default=EngagementStatus.PLANNED
    )
    priority = models.CharField(
        max_length=10, choices=EngagementPriority.choices, default=EngagementPriority.MEDIUM
    )
    lead = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    goal = models.TextField(blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site__name", "core_area__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "core_area"], name="engagement_unique_site_area"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="engagement_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.name}: {self.core_area.name}"


class MilestoneKind(models.TextChoices):
    ASSESSMENT_VISIT = "assessment_visit", "Assessment visit"
    ASSESSMENT_REPORT = "assessment_report", "Assessment report"
    STRATEGIC_PLAN = "strategic_plan", "Strategic plan"
    SYMPOSIUM = "symposium", "Symposium"
    PEER_EXCHANGE = "peer_exchange", "Peer exchange"
    CAPABILITY = "capability", "New capability"
    ENGAGEMENT_END = "engagement_end", "End of engagement"


class Milestone(models.Model):
    """A dated step of a site's engagement; capability milestones record outcomes
    ("CompStat launched", "Real Time Crime Center opened")."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.site.name}: {self.title}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Due in the past and not completed."""
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.completed_on is None and self.due_on is not None and self.due_on < today
