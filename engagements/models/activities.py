"""TA activities: the training and technical assistance liaisons deliver and log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sites.models import SiteScopedQuerySet

# How far ahead an activity may be dated (a planned visit next week is fine; next year is a typo).
MAX_DAYS_AHEAD = 30
# How long a deleted activity can be brought back with "Undo" (issue 16).
UNDO_DAYS = 30
MAX_HOURS_PER_DAY = Decimal(24)


class ActivityKind(models.TextChoices):
    """The kinds of TA BJA's TTA reporting distinguishes."""

    SITE_VISIT = "site_visit", "Site visit"
    VIRTUAL_MEETING = "virtual_meeting", "Virtual meeting"
    TRAINING = "training", "Training"
    PEER_EXCHANGE = "peer_exchange", "Peer exchange"
    MENTORING = "mentoring", "Mentoring"
    WEBINAR = "webinar", "Webinar"
    ASSESSMENT = "assessment", "Assessment"
    STRATEGIC_PLANNING = "strategic_planning", "Strategic planning session"
    SME_CONSULTATION = "sme_consultation", "SME consultation"
    DATA_SUPPORT = "data_support", "Data/analysis support"
    SYMPOSIUM = "symposium", "Symposium or summit"
    CASE_REVIEW = "case_review", "Case review meeting"


class ActivityMode(models.TextChoices):
    ONSITE = "onsite", "Onsite"
    VIRTUAL = "virtual", "Virtual"
    HYBRID = "hybrid", "Hybrid"


class ActivityQuerySet(SiteScopedQuerySet["Activity"]):
    site_path = "site"

    def with_details(self) -> ActivityQuerySet:
        """Everything a list row shows, in a constant number of queries."""
        return self.select_related("site", "engagement__core_area", "logged_by").prefetch_related(
            "core_areas", "agencies", "milestones"
        )


_ActivityManagerBase = models.Manager.from_queryset(ActivityQuerySet)


class ActivityManager(_ActivityManagerBase["Activity"]):
    """The default manager: deleted activities are left out of every read, every related
    manager (``site.activities``) and every total built on them (issue 16). Joins through the
    many-to-many tables and ``Count("activities")`` do not pass through a manager: they filter
    on :data:`LIVE` themselves."""

    def get_queryset(self) -> ActivityQuerySet:
        return ActivityQuerySet(self.model, using=self._db).filter(deleted_at__isnull=True)


class Activity(models.Model):
    """One piece of TA delivered to a site: a visit, meeting, training, review …

    Deleting one only marks it (``deleted_at``): it leaves every list and total at once, can be
    restored for :data:`UNDO_DAYS` days, and its history is kept.
    """

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=30, choices=ActivityKind.choices)
    date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(
        null=True, blank=True, help_text="Only for activities over several days."
    )
    duration_hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text="Total hours of TA delivered.",
    )
    mode = models.CharField(max_length=10, choices=ActivityMode.choices)
    core_areas = models.ManyToManyField(
        "engagements.CoreArea", related_name="activities", blank=False
    )
    engagement = models.ForeignKey(
        "engagements.Engagement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    agencies = models.ManyToManyField("sites.Agency", related_name="activities", blank=True)
    milestones = models.ManyToManyField(
        "engagements.Milestone", related_name="activities", blank=True
    )
    audience = models.CharField(
        max_length=200, blank=True, help_text="Who took part, e.g. “WPD command staff”."
    )
    participants_count = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    summary = models.TextField()
    next_steps = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="logged_activities",
    )
    logged_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # The one-time token of the "Log again" click that made this copy: a second click (or a
    # double submit) with the same token finds this row instead of logging another.
    log_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    # Core areas and agencies are part of what was reported, so their changes are kept too.
    history = HistoricalRecords(m2m_fields=[core_areas, agencies])
    objects = ActivityManager()
    # Deleted ones included: for "Undo" and the record page of a deleted activity.
    all_objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "activities"
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["site", "-date"], name="activity_site_date"),
            # The all-sites list, newest first: without it PostgreSQL sorted every activity to
            # show 50 (bench, 100,000 activities: 137 ms → 0.7 ms).
            models.Index(fields=["-date", "-id"], name="activity_date_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_hours__gt=0), name="activity_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("date")),
                name="activity_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in ActivityKind]),
                name="activity_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=[m.value for m in ActivityMode]),
                name="activity_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%b} {self.date.day}, {self.date.year}"

    @property
    def days(self) -> int:
        """Calendar days the activity spans (1 for a single-day activity)."""
        if self.end_date and self.date and self.end_date >= self.date:
            return (self.end_date - self.date).days + 1
        return 1

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def can_undo(self, now: dt.datetime | None = None) -> bool:
        """Deleted less than :data:`UNDO_DAYS` days ago."""
        if self.deleted_at is None:
            return False
        return (now or timezone.now()) - self.deleted_at < dt.timedelta(days=UNDO_DAYS)

    def clean(self) -> None:
        """Single-row rules: plausible dates and hours, an engagement of the same site."""
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.date and self.date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            errors["date"] = (
                f"The date is more than {MAX_DAYS_AHEAD} days ahead; log planned work "
                "closer to the day."
            )
        if self.end_date and self.date and self.end_date < self.date:
            errors["end_date"] = "The last day cannot be before the first day."
        elif self.end_date and self.end_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            errors["end_date"] = f"The last day is more than {MAX_DAYS_AHEAD} days ahead."
        if self.duration_hours is not None:
            if self.duration_hours <= 0:
                errors["duration_hours"] = "The duration must be more than 0 hours."
            elif self.duration_hours > MAX_HOURS_PER_DAY * self.days:
                errors["duration_hours"] = (
                    f"The duration cannot exceed 24 hours per day "
                    f"({MAX_HOURS_PER_DAY * self.days:g} hours over {self.days} "
                    f"day{'s' if self.days != 1 else ''})."
                )
        engagement = self.engagement if self.engagement_id else None
        if engagement is not None and self.site_id and engagement.site_id != self.site_id:
            errors["engagement"] = "Choose an engagement of this site."
        if errors:
            raise ValidationError(errors)


# For joins that bypass the manager: ``Q(activity__deleted_at__isnull=True)`` from a through
# table, ``Count("activities", filter=LIVE_ACTIVITIES)`` from a site, engagement or agency.
LIVE_ACTIVITIES = models.Q(activities__deleted_at__isnull=True)
LIVE_ACTIVITY = models.Q(activity__deleted_at__isnull=True)
