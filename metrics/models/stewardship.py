"""Data stewardship: when a site's outcome data is due, and BJA's review of submitted months.

A site's :class:`ReportingSchedule` says which monthly counts are expected and by when; the
completeness report (``metrics.selectors.reporting``) compares it with what arrived. Every month a
site submits goes to review (:class:`MonthReview`): a program manager approves it (the month is
then locked against new files) or returns it with a comment; every submission, approval, return
and unlock is kept in :class:`MonthReviewEvent` with who, when and why (docs/metrics.md §10).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metrics.models.offenses import Offense
from metrics.models.uploads import Upload
from sites.models import Site, SiteScopedQuerySet

DEFAULT_DUE_DAYS = 30


class ReportingSchedule(models.Model):
    """What a site is expected to report each month and how long after month end it is due.

    ``offenses`` are the monthly counts expected; ``incidents_expected`` adds the incident
    records. ``reporting_from`` is the first month expected (its first day); empty means the
    month the engagement started. A site without a schedule is read with the defaults
    (:func:`metrics.selectors.reporting.schedule_for`).
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="reporting_schedule")
    due_days = models.PositiveSmallIntegerField(
        default=DEFAULT_DUE_DAYS,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text="Days after the end of a month by which its counts are due.",
    )
    offenses = models.ManyToManyField(Offense, related_name="+", blank=True)
    incidents_expected = models.BooleanField(default=False)
    reporting_from = models.DateField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.site}: due {self.due_days} days after month end"


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned to the site"


class ReviewAction(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"
    UNLOCKED = "unlocked", "Unlocked"


class MonthReviewQuerySet(SiteScopedQuerySet["MonthReview"]):
    site_path = "site"


class MonthReview(models.Model):
    """Where one month of a site's counts stands in BJA's review. An approved month is locked."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="month_reviews")
    month = models.DateField()
    state = models.CharField(max_length=10, choices=ReviewState.choices)
    comment = models.TextField(blank=True)  # the last return's comment, for the liaison
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MonthReviewQuerySet.as_manager()

    class Meta:
        ordering = ["site", "month"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="monthreview_unique_month"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ReviewState]),
                name="monthreview_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m}: {self.state}"

    @property
    def is_locked(self) -> bool:
        return self.state == ReviewState.APPROVED


class MonthReviewEvent(models.Model):
    """One step in the review of a site's months: submitted, approved, returned or unlocked."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    months = models.JSONField(default=list)  # ["YYYY-MM-DD", ...]
    action = models.CharField(max_length=10, choices=ReviewAction.choices)
    reason = models.TextField(blank=True)
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site", "-at", "-id"]
        indexes = [models.Index(fields=["site", "at"])]

    def __str__(self) -> str:
        return f"{self.site} {self.action} {', '.join(self.months)}"
