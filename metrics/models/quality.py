"""Data-quality flags raised by the rules DQ1–DQ9 (docs/metrics.md §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from metrics.models.offenses import Offense
from metrics.models.uploads import Upload
from sites.models import Site, SiteScopedQuerySet

RULES = {
    "DQ1": "Missing month",
    "DQ2": "Implausible zero",
    "DQ3": "Outlier",
    "DQ4": "Latest month incomplete",
    "DQ5": "Structural break",
    "DQ6": "Revision",
    "DQ7": "Consistency",
    "DQ8": "Population",
    "DQ9": "Incident hygiene",
}


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed (the data is right)"
    RESOLVED = "resolved", "Resolved"
    WRONG = "wrong", "Wrong (left out of every estimate)"


class DataQualityFlagQuerySet(SiteScopedQuerySet["DataQualityFlag"]):
    site_path = "site"

    def open(self) -> DataQualityFlagQuerySet:
        return self.filter(status=FlagStatus.OPEN)


class DataQualityFlag(models.Model):
    """A finding of a data-quality rule about a site's data, for a liaison to confirm or resolve.

    A flag is identified by (site, rule, scope, key): ``scope`` is the offense code or
    ``incidents``/``population``; ``key`` the month (``YYYY-MM``), incident id or point the rule
    names. ``effect`` is what the rule proposes (``missing``, ``suspect``, ``provisional``,
    ``revised``, ``warning``, ``flag``…). Re-running the rules keeps a flag's status and note.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="quality_flags")
    rule = models.CharField(max_length=4, choices=sorted(RULES.items()))
    scope = models.CharField(max_length=40, blank=True)
    key = models.CharField(max_length=120, blank=True)
    month = models.DateField(null=True, blank=True)
    offense = models.ForeignKey(
        Offense, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effect = models.CharField(max_length=20, blank=True)
    detail = models.TextField()
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    note = models.TextField(blank=True)
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects = DataQualityFlagQuerySet.as_manager()

    class Meta:
        ordering = ["site", "status", "rule", "-month", "scope", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "rule", "scope", "key"], name="dqflag_unique_finding"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in FlagStatus]), name="dqflag_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.scope} {self.key}: {self.detail}"

    def get_absolute_url(self) -> str:
        return reverse("metrics:data", args=[self.site.slug]) + f"#flag-{self.pk}"

    @property
    def rule_name(self) -> str:
        return RULES.get(self.rule, self.rule)


class StructuralBreak(models.Model):
    """A month from which a site's counts come from a new records system (e.g. NIBRS).

    Rule DQ5 flags it: comparisons across it need a caveat (docs/metrics.md §5).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="structural_breaks")
    month = models.DateField(help_text="First month under the new system (first day).")
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["site", "month"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="structuralbreak_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.description} from {self.month:%b %Y}"
