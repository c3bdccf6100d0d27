"""Pre-registration of each site's evaluation (docs/metrics.md §8.5).

At onboarding each site records what its evaluation will look at — the primary outcome, the
windows, the comparison rule and the minimum detectable effect before the engagement — before
any post-engagement figure exists. Every recording is a new :class:`Preregistration` version;
none is edited or deleted. A change after the first needs a reason, kept on the version it
created, and a result is shown beside the version in force when it was computed
(:mod:`metrics.selectors.preregistration`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sites.models import Site, SiteScopedQuerySet

WINDOW_CHOICES = [(12, "12 months"), (24, "24 months"), (36, "36 months")]


class ComparisonRule(models.TextChoices):
    """How the evaluation compares the site (docs/metrics.md §3.6, §8)."""

    SYNTHETIC_CONTROL = (
        "synthetic_control",
        "Synthetic control of similar places from the national pool (tier 3)",
    )
    DONOR_POOL_DID = (
        "donor_pool_did",
        "Difference-in-differences against the comparison places (tier 3)",
    )
    TREND_ADJUSTED = (
        "trend_adjusted",
        "No comparison places: the site's own prior trend and season (tier 2)",
    )
    PRE_POST = "pre_post", "No comparison: before and after only (tier 1)"


# The comparison pool holds GVA shootings only (metrics.engine.comparison.OUTCOMES).
POOL_RULES = (ComparisonRule.SYNTHETIC_CONTROL, ComparisonRule.DONOR_POOL_DID)


class PreregistrationQuerySet(SiteScopedQuerySet["Preregistration"]):
    site_path = "site"


class Preregistration(models.Model):
    """One version of a site's pre-registered evaluation plan; the highest version is in force."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="preregistrations")
    version = models.PositiveSmallIntegerField()
    primary_outcome = models.CharField(max_length=40)  # an offense code (metrics.offenses)
    window_months = models.PositiveSmallIntegerField(choices=WINDOW_CHOICES, default=24)
    gap_months = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(12)]
    )
    comparison_rule = models.CharField(max_length=20, choices=ComparisonRule.choices)
    # Smallest reduction (percent) the pre-engagement counts could detect (§3.5); empty when
    # there were not enough pre-engagement counts to say.
    mde_pct = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    mde_basis = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)  # why this version replaced the one before
    after_start = models.BooleanField(default=False)  # recorded after the engagement started
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = PreregistrationQuerySet.as_manager()

    class Meta:
        ordering = ["site", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["site", "version"], name="prereg_unique_version"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="prereg_change_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(comparison_rule__in=[r.value for r in ComparisonRule]),
                name="prereg_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} pre-registration v{self.version}"
