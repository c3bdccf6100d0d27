"""Uploaded outcome files and the column mapping each site's exports use."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    WAITING = "waiting", "Waiting to be queued"  # the task queue could not be reached
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _text_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def _as_json(obj: Any) -> Any:
    """A summary value as JSON: tuples as lists, nested dataclasses as dicts without defaults."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            default = (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            )
            if value != default:
                out[f.name] = _as_json(value)
        return out
    if isinstance(obj, list | tuple):
        return [_as_json(v) for v in obj]
    if isinstance(obj, Mapping):
        return {str(k): _as_json(v) for k, v in obj.items()}
    return obj


@dataclass(frozen=True)
class UploadStats:
    """What the check counted in the file; which fields are set depends on the kind of file."""

    months: tuple[str, ...] = ()  # "YYYY-MM" (incidents) or "YYYY-MM-DD" (monthly counts)
    offenses: tuple[str, ...] = ()  # monthly counts: offense codes found
    by_offense: Mapping[str, int] = field(default_factory=dict)  # incidents per offense code
    geocoded: int = 0
    incidents: int = 0
    first_date: str | None = None
    last_date: str | None = None
    first_month: str | None = None
    last_month: str | None = None
    empty_cells: int = 0  # monthly counts: blank cells, kept as missing months
    measures: tuple[str, ...] = ()  # trust surveys
    periods: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> UploadStats:
        d: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        by_offense = d.get("by_offense")
        return cls(
            months=_texts(d.get("months")),
            offenses=_texts(d.get("offenses")),
            by_offense=(
                {str(k): _int(v) for k, v in by_offense.items()}
                if isinstance(by_offense, Mapping)
                else {}
            ),
            geocoded=_int(d.get("geocoded")),
            incidents=_int(d.get("incidents")),
            first_date=_text_or_none(d.get("first_date")),
            last_date=_text_or_none(d.get("last_date")),
            first_month=_text_or_none(d.get("first_month")),
            last_month=_text_or_none(d.get("last_month")),
            empty_cells=_int(d.get("empty_cells")),
            measures=_texts(d.get("measures")),
            periods=_texts(d.get("periods")),
        )


@dataclass(frozen=True)
class Revision:
    """A monthly count an import changed: ``old`` → ``new`` for ``offense`` in ``month``."""

    month: str  # "YYYY-MM-DD"
    offense: str
    old: int | None
    new: int | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Revision:
        old, new = data.get("old"), data.get("new")
        return cls(
            month=str(data.get("month", "")),
            offense=str(data.get("offense", "")),
            old=int(old) if old is not None else None,
            new=int(new) if new is not None else None,
        )


@dataclass(frozen=True)
class UploadSummary:
    """The typed form of :attr:`Upload.summary`: the check's preview, then the import's results.

    Read with :meth:`Upload.read_summary` (every field has a default, so rows written before a
    field existed read as "nothing recorded"); written with :meth:`as_json`.
    """

    # The check (preview).
    targets: tuple[tuple[str, str], ...] = ()  # (value, label) a header can be mapped to
    headers: tuple[str, ...] = ()
    description: str = ""  # how the file was read, e.g. "CSV, semicolon-separated"
    sheets: tuple[str, ...] = ()
    needs_sheet: bool = False  # a workbook of several sheets: the user must choose one
    layout: str = ""  # monthly counts: "long" or "wide"
    columns: Mapping[str, str] = field(default_factory=dict)  # header → field it was mapped to
    stats: UploadStats = field(default_factory=UploadStats)
    notes: tuple[str, ...] = ()
    problem_count: int = 0  # every problem found (``Upload.errors`` lists the first ones)
    # The import.
    revisions: tuple[Revision, ...] = ()
    flags_raised: tuple[int, ...] = ()  # ids of the data-quality flags the import raised
    timings: Mapping[str, float] = field(default_factory=dict)  # seconds per import phase

    @classmethod
    def from_json(cls, data: Any) -> UploadSummary:
        """Read a stored summary; missing or malformed entries take their defaults."""
        d: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        columns, timings = d.get("columns"), d.get("timings")
        return cls(
            targets=tuple(
                (str(t[0]), str(t[1]))
                for t in d.get("targets") or ()
                if isinstance(t, list | tuple) and len(t) == 2
            ),
            headers=_texts(d.get("headers")),
            description=str(d.get("description") or ""),
            sheets=_texts(d.get("sheets")),
            needs_sheet=bool(d.get("needs_sheet")),
            layout=str(d.get("layout") or ""),
            columns=(
                {str(k): str(v or "") for k, v in columns.items()}
                if isinstance(columns, Mapping)
                else {}
            ),
            stats=UploadStats.from_json(d.get("stats")),
            notes=_texts(d.get("notes")),
            problem_count=_int(d.get("problem_count")),
            revisions=tuple(
                Revision.from_json(r) for r in d.get("revisions") or () if isinstance(r, Mapping)
            ),
            flags_raised=tuple(_int(pk) for pk in d.get("flags_raised") or ()),
            timings=(
                {str(k): float(v) for k, v in timings.items()}
                if isinstance(timings, Mapping)
                else {}
            ),
        )

    def as_json(self) -> dict[str, Any]:
        """The dict stored in :attr:`Upload.summary` (fields left at their default omitted)."""
        out: dict[str, Any] = _as_json(self)
        return out


class UploadQuerySet(SiteScopedQuerySet["Upload"]):
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
    (added, revised old → new): read it with :meth:`read_summary`, write it from an
    :class:`UploadSummary`. Incident uploads declare the months they cover.
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
    coverage_inferred = models.BooleanField(
        default=False,
        help_text="The coverage was taken from the first and last incident, not declared: shown, "
        "but no pre/post window starts from it (docs/metrics.md §7.3).",
    )
    is_demo = models.BooleanField(default=False, help_text="Synthetic demo data.")
    note = models.CharField(max_length=300, blank=True)
    # Why the file revises values already submitted (asked on the preview, kept on each revision).
    revision_reason = models.TextField(blank=True)
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

    def read_summary(self) -> UploadSummary:
        """``summary`` as typed fields (defaults for whatever an older row did not record)."""
        return UploadSummary.from_json(self.summary)

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
