"""Uploaded outcome files and the column mapping each site's exports use."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from metrics.storage import private_upload_storage
from sites.models import Site, SiteScopedQuerySet


class UploadKind(models.TextChoices):
    MONTHLY_COUNTS = "monthly_counts", "Monthly counts"
    INCIDENTS = "incidents", "Incident records"
    TRUST_SURVEY = "trust_survey", "Trust survey results"


class UploadStatus(models.TextChoices):
    """Life of an upload: checked on arrival, confirmed by a person, imported in the background."""

    RECEIVED = "received", "Received"
    VALIDATING = "validating", "Checking"
    INVALID = "invalid", "Has problems"
    VALIDATED = "validated", "Ready to import"
    QUEUED = "queued", "Waiting to import"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"


class UploadQuerySet(SiteScopedQuerySet):
    site_path = "site"


def upload_path(instance: Upload, filename: str) -> str:
    """Files are stored by site and sha256, never under the name the user gave them."""
    return f"{instance.site_id}/{instance.sha256}"


class Upload(models.Model):
    """One outcome file sent for a site: what it held, what was wrong, what was imported.

    The row is also the status record the Data page polls while the background import runs
    (``status``, ``progress``). ``errors`` lists every problem found, each
    ``{"row", "column", "value", "message"}`` with rows numbered as a spreadsheet shows them
    (header = row 1). ``summary`` holds the preview (layout, months, offenses) and the results
    (added, revised old → new). Incident uploads declare the months they cover.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="uploads")
    kind = models.CharField(max_length=20, choices=UploadKind.choices)
    file = models.FileField(storage=private_upload_storage, upload_to=upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # What the file is and how to read it.
    preset = models.CharField(max_length=20, blank=True, help_text="e.g. “gva”")
    source = models.CharField(
        max_length=40, blank=True, help_text="Incident source, e.g. “gva” or “rms”."
    )
    sheet = models.CharField(max_length=100, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    coverage_start = models.DateField(null=True, blank=True)
    coverage_end = models.DateField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Synthetic demo data.")
    note = models.CharField(max_length=300, blank=True)
    # Progress and outcome.
    status = models.CharField(
        max_length=12, choices=UploadStatus.choices, default=UploadStatus.RECEIVED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_revised = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "sha256"], name="upload_unique_site_sha256"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in UploadKind]), name="upload_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in UploadStatus]),
                name="upload_status_valid",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="upload_progress_pct"),
            models.CheckConstraint(
                condition=Q(coverage_start__isnull=True)
                | Q(coverage_end__isnull=True)
                | Q(coverage_end__gte=models.F("coverage_start")),
                name="upload_coverage_ordered",
            ),
        ]
        indexes = [models.Index(fields=["site", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_kind_display()}, {self.site})"

    def get_absolute_url(self) -> str:
        return reverse("metrics:upload_detail", args=[self.site.slug, self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (UploadStatus.QUEUED, UploadStatus.IMPORTING)


class ColumnMapping(models.Model):
    """The column mapping a site's exports need, remembered for next month's upload.

    ``mapping`` maps a header as it appears in the site's file to a field of the import
    (e.g. ``{"Offense Desc": "offense", "Cnt": "count"}``).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="column_mappings")
    kind = models.CharField(max_length=20, choices=UploadKind.choices)
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "kind"], name="column_mapping_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.get_kind_display()} mapping"
