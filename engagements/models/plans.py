"""Core areas, engagements per site and core area, their recommendations and action items, and
the site's milestones."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
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
    objects = SiteScopedQuerySet["Engagement"].as_manager()

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


class MilestoneQuerySet(SiteScopedQuerySet["Milestone"]):
    site_path = "site"

    def overdue(self, today: dt.date | None = None) -> MilestoneQuerySet:
        """Not completed and due before ``today``."""
        today = today or timezone.localdate()
        return self.filter(completed_on__isnull=True, due_on__lt=today)


class Milestone(models.Model):
    """A dated step of a site's engagement; capability milestones record outcomes
    ("CompStat launched", "Real Time Crime Center opened")."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.site.name}: {self.title}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Due in the past and not completed."""
        today = today or timezone.localdate()
        return self.completed_on is None and self.due_on is not None and self.due_on < today


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    NOT_ADOPTED = "not_adopted", "Not adopted"


class RecommendationQuerySet(SiteScopedQuerySet["Recommendation"]):
    site_path = "engagement__site"


class Recommendation(models.Model):
    """A numbered recommendation for an engagement, usually from the site assessment."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    source = models.CharField(max_length=120, blank=True, help_text="e.g. 2024 assessment")
    status = models.CharField(
        max_length=20, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )

    history = HistoricalRecords()
    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["engagement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "number"], name="recommendation_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="recommendation_number_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in RecommendationStatus]),
                name="recommendation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number}"


class ActionItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TARGET = "on_target", "On target"
    LAGGING = "lagging", "Lagging"
    INSUFFICIENT_PROGRESS = "insufficient_progress", "Insufficient progress"
    COMPLETE = "complete", "Complete"


class ActionItemQuerySet(SiteScopedQuerySet["ActionItem"]):
    site_path = "engagement__site"

    def open(self) -> ActionItemQuerySet:
        return self.exclude(status=ActionItemStatus.COMPLETE)

    def overdue(self, today: dt.date | None = None) -> ActionItemQuerySet:
        """Not complete and due before ``today``."""
        today = today or timezone.localdate()
        return self.open().filter(due_on__lt=today)


class ActionItem(models.Model):
    """A task in an engagement's plan, optionally answering a recommendation."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="action_items"
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    title = models.CharField(max_length=300)
    owner = models.CharField(
        max_length=150, blank=True, help_text="The person or agency responsible."
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=25, choices=ActionItemStatus.choices, default=ActionItemStatus.NOT_STARTED
    )
    completed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ActionItemStatus]),
                name="action_item_status_valid",
            ),
            # Complete exactly when a completion date is recorded.
            models.CheckConstraint(
                condition=models.Q(status="complete", completed_on__isnull=False)
                | (~models.Q(status="complete") & models.Q(completed_on__isnull=True)),
                name="action_item_completed_on_iff_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.recommendation is not None
            and self.engagement_id
            and self.recommendation.engagement_id != self.engagement_id
        ):
            raise ValidationError({"recommendation": "Choose a recommendation of this engagement."})

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Due in the past and not complete."""
        today = today or timezone.localdate()
        return (
            self.status != ActionItemStatus.COMPLETE
            and self.due_on is not None
            and self.due_on < today
        )
