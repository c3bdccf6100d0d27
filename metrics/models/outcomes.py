"""Outcome data: monthly counts (with every reported value kept), incidents, trust measures."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metrics.models.offenses import Offense
from metrics.models.uploads import Upload
from sites.models import Site, SiteScopedQuerySet


class MonthStatus(models.TextChoices):
    """Status of a stored month (docs/metrics.md §1). ``missing`` is the absence of a row."""

    REPORTED = "reported", "Reported"
    PROVISIONAL = "provisional", "Provisional"
    SUSPECT = "suspect", "Suspect"


class MonthlyCountQuerySet(SiteScopedQuerySet["MonthlyCount"]):
    site_path = "site"


class MonthlyCount(models.Model):
    """The count a site reported for one offense in one month (``month`` is its first day).

    A month with no row is *missing*, never zero; an explicit 0 is a reported zero.
    ``first_count`` is the value first reported; every value ever reported (who, when, which
    upload) is in :class:`MonthlyCountRevision`, written by the import service itself because
    bulk writes bypass model signals.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="monthly_counts")
    month = models.DateField()
    offense = models.ForeignKey(Offense, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField()
    first_count = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=MonthStatus.choices, default=MonthStatus.REPORTED
    )
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MonthlyCountQuerySet.as_manager()

    class Meta:
        ordering = ["site", "month", "offense__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month", "offense"], name="monthlycount_unique_site_month_offense"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MonthStatus]),
                name="monthlycount_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m} {self.offense_id}: {self.count}"

    @property
    def is_revised(self) -> bool:
        return self.count != self.first_count


class MonthlyCountRevision(models.Model):
    """One value reported for a monthly count: the first report and every later change.

    ``previous_value`` is empty for the first report.
    """

    monthly_count = models.ForeignKey(
        MonthlyCount, on_delete=models.CASCADE, related_name="revisions"
    )
    value = models.PositiveIntegerField()
    previous_value = models.PositiveIntegerField(null=True, blank=True)
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Why a value already submitted was changed: the one reason given for the file. A database
    # default because the import writes revisions with SQL of its own (metrics/intake/writer.py).
    reason = models.TextField(blank=True, db_default="")

    class Meta:
        ordering = ["monthly_count", "recorded_at", "id"]
        indexes = [models.Index(fields=["upload"])]

    def __str__(self) -> str:
        before = "—" if self.previous_value is None else self.previous_value
        return f"{before} → {self.value}"


class IncidentQuerySet(SiteScopedQuerySet["Incident"]):
    site_path = "site"


class Incident(models.Model):
    """One incident from a site's records system or a public source such as GVA.

    ``offense`` is empty for incidents outside the offense codes (e.g. a GVA gun confiscation).
    Months inside an imported upload's coverage with no incidents count as zero; months outside
    every coverage are missing (docs/metrics.md §1).
    """

    # No index of its own: the unique (site, source, external id) and (site, occurred on)
    # indexes start with the site and serve every query by site. No database constraint either
    # (docs/decisions/0006, amendment): the import checks the site once per file
    # (writer.site_exists), Django's on_delete cascades, and on PostgreSQL a trigger deletes a
    # site's incidents when the site row is deleted by raw SQL (migration metrics.0064).
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        related_name="incidents",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100)
    occurred_on = models.DateField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    # ``offense`` and ``upload`` have no database constraint (Django's on_delete still applies):
    # the import checks them once per file, in its transaction (writer.unknown_offenses,
    # writer.upload_exists) instead of PostgreSQL checking each row at commit — see
    # docs/benchmarks.md. Offenses are a fixed vocabulary no one may delete (admin), and no
    # query looks incidents up by offense alone, so that column has no index either.
    offense = models.ForeignKey(
        Offense,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    description = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    killed = models.PositiveSmallIntegerField(default=0)
    injured = models.PositiveSmallIntegerField(default=0)
    upload = models.ForeignKey(
        Upload,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["site", "occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "source", "external_id"], name="incident_unique_site_source_id"
            ),
        ]
        indexes = [models.Index(fields=["site", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} on {self.occurred_on}"


class IncidentVersion(models.Model):
    """A counter per site that every write to the site's incidents moves.

    Kept by database triggers on ``metrics_incident`` (migration 0052), not by Python code, so
    every write path counts: imports (COPY into a stage, then ``INSERT … SELECT`` / ``UPDATE …
    FROM``), corrections, deletions (of incidents, uploads or sites), the admin and raw SQL.
    ``site_id`` is a plain integer, not a foreign key: a site's deletion cascades to its
    incidents, whose trigger must still be able to write here. A site with no row has version 0.
    """

    site_id = models.IntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"site {self.site_id}: incidents version {self.version}"


class IncidentAggregate(models.Model):
    """The inputs fingerprint's aggregate of a site's incidents as it was at ``version`` of
    :class:`IncidentVersion` (docs/metrics.md §1): reused while the site's incidents have not moved,
    so a page checking whether results are stale does not aggregate every incident."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.BigIntegerField()
    rows = models.JSONField()

    def __str__(self) -> str:
        return f"site {self.site_id}: incident aggregate at version {self.version}"


class TrustMeasureQuerySet(SiteScopedQuerySet["TrustMeasure"]):
    site_path = "site"


class TrustMeasure(models.Model):
    """A community-trust survey result: a 0–100 value for a measure over a period.

    ``period_start``/``period_end`` are the first and last day of the surveyed period (a month,
    quarter or year).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="trust_measures")
    period_start = models.DateField()
    period_end = models.DateField()
    measure = models.CharField(max_length=100)
    value = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    method = models.CharField(max_length=200, blank=True)
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TrustMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["site", "measure", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "measure", "period_start", "period_end"],
                name="trustmeasure_unique_period",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=100), name="trustmeasure_value_0_100"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="trustmeasure_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.measure} {self.period_start:%Y-%m}: {self.value}"
