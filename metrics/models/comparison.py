"""The national comparison pool for tier-3 evidence (docs/metrics.md §8.1).

The pool is every GVA incident in the United States, kept as monthly counts per place and
offense (a place is a (state, city or county) pair as GVA spells it): the comparisons need
counts, not 239,000 incident rows. A site may be linked to its own place in the pool, which
then supplies its GVA counts where its own uploads do not (docs/metrics.md §9.6).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sites.models import Site


class ComparisonPool(models.Model):
    """One load of the pool file: what was loaded, when, and the months it covers (a month
    inside ``[coverage_start, coverage_end]`` with no count row is a true zero)."""

    sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    places = models.PositiveIntegerField()
    coverage_start = models.DateField()
    coverage_end = models.DateField()
    source = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows:,} rows, loaded {self.loaded_at:%Y-%m-%d})"


class ComparisonPlace(models.Model):
    """A place of the pool; ``population`` comes from the gazetteer (cities only)."""

    state = models.CharField(max_length=40)  # as the pool spells it: "Maryland"
    name = models.CharField(max_length=120)  # GVA's city_or_county: "Baltimore"
    state_code = models.CharField(max_length=2, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_source = models.CharField(max_length=200, blank=True)
    incidents = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["state", "name"]
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="comparison_place_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}"


class ComparisonCount(models.Model):
    """Incidents of one offense in one month at one place (months with none have no row)."""

    place = models.ForeignKey(ComparisonPlace, on_delete=models.CASCADE, related_name="counts")
    month = models.DateField()
    offense = models.CharField(max_length=40)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["place", "month", "offense"], name="comparison_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.place_id} {self.month:%Y-%m} {self.offense}: {self.count}"


class ComparisonLink(models.Model):
    """The site's own place in the pool (one per site)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="comparison_link")
    place = models.ForeignKey(ComparisonPlace, on_delete=models.PROTECT, related_name="links")
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.site} → {self.place}"


class PooledEffect(models.Model):
    """The portfolio's pooled estimate for one evidence tier and outcome (docs/metrics.md §8.4):
    a random-effects meta-analysis of the sites' stored log rate ratios, recomputed whenever a
    site's results are. ``value`` holds estimate, ci_low, ci_high (as rate ratios), tau2, i2,
    q, n_sites and the per-site rows of the forest plot."""

    tier = models.PositiveSmallIntegerField()
    offense = models.CharField(max_length=40)
    metric = models.CharField(max_length=40, default="pooled_effect")
    method = models.CharField(max_length=10, default="REML")
    status = models.CharField(max_length=4, default="ok")
    reason = models.CharField(max_length=60, blank=True)
    value = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tier", "offense"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "offense"], name="pooled_effect_unique")
        ]

    def __str__(self) -> str:
        return f"tier {self.tier} {self.offense} ({self.status})"
