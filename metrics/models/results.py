"""Computed metrics and the runs that compute them (docs/design.md §2, docs/metrics.md §1).

Dashboards read :class:`MetricResult` rows; they never compute statistics in a request. A
:class:`MetricRun` is the status row a staff member watches while a recompute runs in the
background (pending → running → succeeded/failed, with the error when it fails).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sites.models import Site, SiteScopedQuerySet

# Time limits of the recompute task (seconds); both far below the broker's visibility timeout so
# a slow task is never delivered twice (docs/reliability.md).
TASK_SOFT_TIME_LIMIT = 120
TASK_TIME_LIMIT = 180


class ResultStatus(models.TextChoices):
    OK = "ok", "OK"
    NULL = "null", "Not computable"


class MetricResultQuerySet(SiteScopedQuerySet["MetricResult"]):
    site_path = "site"


class MetricResult(models.Model):
    """One computed metric for a site and offense with its provenance (docs/metrics.md §1 envelope).

    ``params`` identifies the variant (e.g. ``{"window_months": 24, "gap_months": 0}``) and
    ``params_key`` is its canonical JSON, so (site, metric, offense, params) is unique.
    ``offense`` is an offense code, or blank for site-wide metrics (data quality, spatial
    metrics over all incidents). A ``null`` result always carries a ``reason``.
    ``inputs_fingerprint`` is the hash of every input the run read: a dashboard compares it with
    the current data to tell a fresh result from a stale one. ``data_through`` is the last month
    of data the result used.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="metric_results")
    metric = models.CharField(max_length=40)
    offense = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    params_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=4, choices=ResultStatus.choices)
    reason = models.CharField(max_length=60, blank=True)
    flags = models.JSONField(default=list, blank=True)
    evidence_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.JSONField(default=dict, blank=True)
    method = models.CharField(max_length=200, blank=True)
    data_through = models.DateField(null=True, blank=True)
    inputs_fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField(default=timezone.now)
    package_versions = models.JSONField(default=dict, blank=True)
    run = models.ForeignKey(
        "MetricRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="results"
    )

    objects = MetricResultQuerySet.as_manager()

    # Not a field: set on headline results by ``metrics.selectors.site_metrics_summary`` for
    # the template (whether the caution is shown apart from the sentence). Annotation only.
    caution_separate: bool

    class Meta:
        ordering = ["site", "metric", "offense", "params_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "metric", "offense", "params_key"],
                name="metricresult_unique_variant",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ResultStatus]),
                name="metricresult_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="ok") | ~Q(reason=""), name="metricresult_null_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["site", "metric"])]

    def __str__(self) -> str:
        offense = self.offense or "all offenses"
        return f"{self.site_id} {self.metric} {offense} {self.params_key}: {self.status}"


class RunStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Computing"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    MANUAL = "manual", "Requested by staff"
    IMPORT = "import", "New data imported"
    NIGHTLY = "nightly", "Nightly recompute"
    COMMAND = "command", "Command line"
    DEMO = "demo", "Demo data"


class MetricRunQuerySet(SiteScopedQuerySet["MetricRun"]):
    site_path = "site"


class MetricRun(models.Model):
    """One request to recompute a site's metrics, and what became of it (docs/style.md tasks).

    ``scope`` is ``site`` (one site) — the nightly job fans out into one run per site.
    ``progress`` is 0–100; ``outcome`` says whether results were written or were already
    current for the same inputs (``unchanged``); ``error`` holds the failure when it fails.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="metric_runs")
    scope = models.CharField(max_length=10, default="site")
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=20, blank=True)
    results_written = models.PositiveIntegerField(default=0)
    inputs_fingerprint = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    objects = MetricRunQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RunStatus]), name="metricrun_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="metricrun_progress_pct"),
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"Run {self.pk} for site {self.site_id}: {self.status}"

    @property
    def is_active(self) -> bool:
        """True while the run waits or computes (the status page keeps polling)."""
        return self.status in (RunStatus.PENDING, RunStatus.RUNNING)

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """A run still 'running' past the hard time limit was killed with its worker."""
        if self.status != RunStatus.RUNNING or self.started_at is None:
            return False
        limit = dt.timedelta(seconds=TASK_TIME_LIMIT + 60)
        return (now or timezone.now()) - self.started_at > limit


class HotSpotMap(models.Model):
    """The site dashboard's incident map for the analysis period of the site's concentration
    result: geocoded incidents (the most recent drawn) with the densest cells that together
    hold half of them highlighted, and the densest cells as a table.

    Drawn by the metrics engine when it stores the site's results and replaced with them in
    the same transaction, so a dashboard view reads one row instead of aggregating every
    incident of the period; the page marks it stale exactly when it marks the results stale.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True, related_name="+")
    total = models.PositiveIntegerField()  # geocoded incidents in the period
    dense_cells = models.PositiveIntegerField()
    figure = models.JSONField()  # the chart, as ``metrics.charts.figure_dict`` returns it
    cells = models.JSONField()  # [[cell centre, incidents, among the densest], ...], densest first

    def __str__(self) -> str:
        return f"hot-spot map of site {self.site_id}"
