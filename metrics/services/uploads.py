"""Receive an outcome file, check it (the preview), and import it all-or-nothing.

``upload_receive`` refuses what must never be stored (an empty, oversized or binary file, or the
same file twice) and otherwise stores the file and checks it; ``upload_confirm`` queues the
import after a person looked at the preview; ``upload_import`` (run by the Celery task, or
directly by the command line) stages the rows while reporting progress, then merges them in one
transaction and runs the data-quality rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from metrics.intake import base, reader
from metrics.intake.incidents import PRESETS, IncidentsParser
from metrics.intake.monthly import MonthlyCountsParser
from metrics.intake.problems import FileRejected, Problem
from metrics.intake.trust import TrustSurveyParser
from metrics.intake.vocab import month_label
from metrics.intake.writer import (
    Stage,
    drop_upload_stage,
    merge_incidents,
    merge_monthly_counts,
    merge_trust,
    site_exists,
    unknown_offenses,
    upload_exists,
)
from metrics.models import (
    ColumnMapping,
    Offense,
    Revision,
    RunTrigger,
    Upload,
    UploadKind,
    UploadStats,
    UploadStatus,
    UploadSummary,
)
from metrics.services.stewardship import upload_locked_problem, upload_months_submitted
from psp.core.retry import TRANSIENT_ERRORS

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site

log = logging.getLogger(__name__)

PARSERS: dict[UploadKind, type[base.Parser]] = {
    UploadKind.MONTHLY_COUNTS: MonthlyCountsParser,
    UploadKind.INCIDENTS: IncidentsParser,
    UploadKind.TRUST_SURVEY: TrustSurveyParser,
}


class DuplicateUpload(ValidationError):
    """The same file (same sha256) was already uploaded for this site."""

    def __init__(self, first: Upload) -> None:
        self.first = first
        when = timezone.localtime(first.created_at)
        super().__init__(
            {
                "file": f"This file was already uploaded for {first.site.name} on "
                f"{when:%b} {when.day}, {when.year} (upload #{first.pk}, "
                f"“{first.original_name}”)."
            }
        )


def _chunk_rows() -> int:
    return int(getattr(settings, "PSP_IMPORT_CHUNK_ROWS", reader.CHUNK_ROWS))


def _hash_and_head(file: File[bytes]) -> tuple[str, bytes]:
    digest = hashlib.sha256()
    head = b""
    file.seek(0)
    for chunk in file.chunks(1024 * 1024):
        if not head:
            head = chunk[:8192]
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest(), head


def _month_start(value: dt.date | None) -> dt.date | None:
    return value.replace(day=1) if value else None


@transaction.atomic
def upload_receive(
    *,
    site: Site,
    kind: str,
    file: File[bytes],
    acting_user: User | None,
    name: str = "",
    preset: str = "",
    source: str = "",
    sheet: str = "",
    coverage_start: dt.date | None = None,
    coverage_end: dt.date | None = None,
    mapping: dict[str, str] | None = None,
    is_demo: bool = False,
    note: str = "",
) -> Upload:
    """Store an outcome file for ``site`` and check it; the upload comes back ``validated``
    (ready to confirm) or ``invalid`` (with every problem listed).

    Raises ``ValidationError`` — before reading the file — when it is empty, over
    ``PSP_UPLOAD_MAX_BYTES``, not a CSV/XLSX, or already uploaded for the site
    (:class:`DuplicateUpload`, carrying the first upload). The same file as an upload that was
    refused is checked again with the new options (:func:`upload_resend`).
    """
    name = safe_name(name or getattr(file, "name", "") or "")
    if kind not in UploadKind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of upload."})
    if preset and (kind != UploadKind.INCIDENTS or preset not in PRESETS):
        raise ValidationError({"preset": f"“{preset}” is not a preset for this kind of file."})
    coverage_start, coverage_end = _month_start(coverage_start), _month_start(coverage_end)
    if kind == UploadKind.INCIDENTS:
        if (coverage_start is None) != (coverage_end is None):
            raise ValidationError({"coverage_end": "Give both the first and last month covered."})
        if coverage_start and coverage_end and coverage_end < coverage_start:
            raise ValidationError({"coverage_end": "The coverage ends before it starts."})
        if coverage_end and coverage_end > timezone.localdate().replace(day=1):
            raise ValidationError({"coverage_end": "The coverage cannot end in the future."})
    try:
        reader.check_size(file.size or 0, settings.PSP_UPLOAD_MAX_BYTES)
        sha256, head = _hash_and_head(file)
        reader.detect_type(head, name)
    except FileRejected as exc:
        raise ValidationError({"file": str(exc)}) from None
    if mapping is None and not preset:
        saved = ColumnMapping.objects.filter(site=site, kind=kind).first()
        mapping = saved.mapping if saved else {}
    options: dict[str, Any] = {
        "kind": kind,
        "original_name": name,
        "uploaded_by": acting_user,
        "preset": preset,
        "source": (preset or source or ("records" if kind == UploadKind.INCIDENTS else ""))[:40],
        "sheet": sheet,
        "mapping": mapping or {},
        "coverage_start": coverage_start,
        "coverage_end": coverage_end,
        "is_demo": is_demo,
        "note": note,
    }
    first = Upload.objects.filter(site=site, sha256=sha256).select_related("site").first()
    if first is not None:
        return upload_resend(first=first, options=options, acting_user=acting_user)
    upload = Upload(site=site, size=file.size or 0, sha256=sha256, **options)
    upload.file.save(name, file, save=False)
    try:
        with transaction.atomic():
            upload.full_clean()
            upload.save()
            return upload_validate(upload=upload, acting_user=acting_user)
    except IntegrityError:
        # The same file sent twice at once: the second loses the race on the unique index.
        upload.file.delete(save=False)
        first = Upload.objects.filter(site=site, sha256=sha256).select_related("site").first()
        if first is None:
            raise
        raise DuplicateUpload(first) from None
    except BaseException:
        upload.file.delete(save=False)  # nothing of a refused upload stays on disk
        raise


def safe_name(name: str) -> str:
    """The name shown for an uploaded file: its last path part (``/`` or ``\\``), without
    control characters, at most 255 characters; ``upload`` when nothing is left. Files are
    stored under the site and their sha256, never under this name (``upload_path``)."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in last if ch.isprintable()).strip().strip(".")
    return cleaned[:255] or "upload"


# A file sent again for an upload refused in one of these states is checked again with the
# options sent with it, instead of being refused as already uploaded: nothing of it was imported.
RESENDABLE = (UploadStatus.INVALID, UploadStatus.FAILED)


def upload_resend(*, first: Upload, options: dict[str, Any], acting_user: User | None) -> Upload:
    """The same file again (same site and sha256): when its upload was refused — by its checks
    or at import — check it again with ``options`` (a corrected kind, column mapping, preset,
    sheet or coverage) on the same upload record; otherwise raise :class:`DuplicateUpload`."""
    upload = Upload.objects.select_for_update(of=("self",)).select_related("site").get(pk=first.pk)
    if upload.status not in RESENDABLE:
        raise DuplicateUpload(upload)
    for field, value in options.items():
        setattr(upload, field, value)
    upload.status, upload.errors, upload.failure, upload.progress = UploadStatus.RECEIVED, [], "", 0
    upload.confirmed_by, upload.started_at, upload.finished_at = None, None, None
    upload.full_clean()
    upload.save()
    return upload_validate(upload=upload, acting_user=acting_user)


def _parser(upload: Upload) -> base.Parser:
    options: dict[str, Any] = {"today": timezone.localdate(), "preset": upload.preset}
    if upload.kind == UploadKind.INCIDENTS and upload.coverage_start and upload.coverage_end:
        options["coverage"] = (upload.coverage_start, upload.coverage_end)
    if upload.kind == UploadKind.INCIDENTS:
        options["time_zone"] = upload.site.local_time_zone  # docs/metrics.md §7.6
    return PARSERS[UploadKind(upload.kind)](**options)


def _scan(upload: Upload, parser: base.Parser, on_chunk: Any = None) -> base.Scan:
    return base.scan(
        Path(upload.file.path),
        parser,
        name=upload.original_name,
        sheet=upload.sheet,
        mapping=upload.mapping,
        on_chunk=on_chunk,
        chunk_rows=_chunk_rows(),
    )


@transaction.atomic
def upload_validate(
    *,
    upload: Upload,
    acting_user: User | None,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
) -> Upload:
    """Check (again) an upload that is not imported yet, optionally with a new column mapping
    or sheet, and record the preview: layout, mapping, months and offenses, every problem."""
    if upload.status not in (
        UploadStatus.RECEIVED,
        UploadStatus.VALIDATING,
        UploadStatus.INVALID,
        UploadStatus.VALIDATED,
    ):
        raise ValidationError("This upload has already been sent to import.")
    if mapping is not None:
        upload.mapping = mapping
    if sheet is not None:
        upload.sheet = sheet
    parser = _parser(upload)
    targets = tuple(parser.targets())
    stage = _preview_stage(upload)
    on_chunk = None
    if stage is not None:
        stage.create()
        offense_ids = dict(Offense.objects.values_list("code", "id"))
        time_zone = upload.site.local_time_zone

        def on_chunk(clean: pd.DataFrame, scan: base.Scan) -> None:
            stage.write(_stage_frame(upload.kind, clean, offense_ids, time_zone))

    try:
        result = _scan(upload, parser, on_chunk)
    except FileRejected as exc:
        upload.status = UploadStatus.INVALID
        upload.errors = [exc.problem.as_dict()]
        upload.rows_total = parser.scan.rows_read
        upload.rows_rejected = 0
        info = parser.scan.info
        sheets = info.sheets if info is not None else exc.extra.get("sheets", [])
        summary = UploadSummary(
            targets=targets,
            headers=tuple(parser.scan.headers),
            description=(
                info.description
                if info is not None and (info.sheet or info.format == "csv")
                else ""
            ),
            sheets=tuple(sheets),
            needs_sheet=bool(exc.extra.get("needs_sheet")),
        )
    else:
        upload.status = UploadStatus.INVALID if result.problems else UploadStatus.VALIDATED
        upload.errors = result.problems.as_list()
        upload.rows_total = result.rows_read
        upload.rows_rejected = len(result.problems.rows)
        upload.mapping = {h: t for h, t in result.mapping.items() if t} if not upload.preset else {}
        stats = UploadStats.from_json(result.stats)
        notes = list(result.notes)
        if upload.kind == UploadKind.INCIDENTS and not upload.coverage_start and stats.months:
            upload.coverage_start = dt.date.fromisoformat(stats.months[0] + "-01")
            upload.coverage_end = dt.date.fromisoformat(stats.months[-1] + "-01")
            upload.coverage_inferred = True
            notes.append(
                "No coverage was declared: it is taken as "
                f"{month_label(upload.coverage_start)}–{month_label(upload.coverage_end)}, "
                "the first and last month with an incident. Without declared coverage the "
                "series are shown but no pre/post comparison is made."
            )
        summary = UploadSummary(
            targets=targets,
            headers=tuple(result.headers),
            description=result.info.description if result.info else "",
            sheets=tuple(result.info.sheets) if result.info else (),
            layout=result.layout,
            columns=dict(result.mapping),
            stats=stats,
            notes=tuple(notes),
            problem_count=result.problems.total,
        )
    upload.summary = summary.as_json()
    locked = upload_locked_problem(upload) if upload.status == UploadStatus.VALIDATED else None
    if locked is not None:
        upload.status = UploadStatus.INVALID
        upload.errors = [locked]
        upload.summary = replace(summary, problem_count=1).as_json()
    if stage is not None and upload.status != UploadStatus.VALIDATED:
        stage.drop()  # only a file that passed its checks keeps its stage
    upload.full_clean()
    upload.save()
    return upload


def _preview_stage(upload: Upload) -> Stage | None:
    """The stage the preview writes the checked rows to, so that confirmation merges them
    without reading the file again: incident files on PostgreSQL (SQLite reads the file again
    at import, as does an import whose stage was swept)."""
    if upload.kind != UploadKind.INCIDENTS or connection.vendor != "postgresql":
        return None
    return Stage(upload.kind, upload_id=upload.pk)


@transaction.atomic
def upload_confirm(*, upload: Upload, acting_user: User) -> Upload:
    """Queue the import of a checked upload (after commit) and remember its column mapping."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != UploadStatus.VALIDATED:
        raise ValidationError(
            f"This upload cannot be imported: it is {upload.get_status_display().lower()}."
        )
    upload.status = UploadStatus.QUEUED
    upload.confirmed_by = acting_user
    upload.progress = 0
    upload.save(update_fields=["status", "confirmed_by", "progress"])
    if upload.mapping and not upload.preset:
        ColumnMapping.objects.update_or_create(
            site=upload.site,
            kind=upload.kind,
            defaults={
                "mapping": upload.mapping,
                "updated_by": acting_user,
                "updated_at": timezone.now(),
            },
        )
    transaction.on_commit(partial(upload_enqueue, upload_id=upload.pk))
    return upload


def upload_enqueue(*, upload_id: int) -> bool:
    """Publish the import of a queued upload (run after commit). When the task queue cannot be
    reached the upload becomes ``waiting`` with the reason — never a server error, never a
    "queued" that no worker will see — and the sweeper or a person queues it again."""
    from metrics.tasks import import_upload

    try:
        import_upload.delay(upload_id)
    except Exception as exc:
        if isinstance(exc, TRANSIENT_ERRORS):
            raise
        log.warning("Could not queue the import of upload %s: %s", upload_id, exc)
        Upload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).update(
            status=UploadStatus.WAITING,
            failure=f"The task queue could not be reached ({type(exc).__name__}); the import "
            "is queued again automatically within a few minutes, or now with “Queue again”.",
        )
        return False
    return True


@transaction.atomic
def upload_requeue(*, upload: Upload, acting_user: User | None) -> Upload:
    """Queue again an upload left ``waiting`` because the task queue was down at confirmation."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != UploadStatus.WAITING:
        raise ValidationError(
            f"This upload is {upload.get_status_display().lower()}, not waiting to be queued."
        )
    upload.status = UploadStatus.QUEUED
    upload.failure = ""
    if acting_user is not None:
        upload.confirmed_by = acting_user
    upload.save(update_fields=["status", "failure", "confirmed_by"])
    transaction.on_commit(partial(upload_enqueue, upload_id=upload.pk))
    return upload


RETRYABLE = (UploadStatus.FAILED,)
DISCARDABLE = (
    UploadStatus.INVALID,
    UploadStatus.VALIDATED,
    UploadStatus.WAITING,
    UploadStatus.FAILED,
)


@transaction.atomic
def upload_retry(*, upload: Upload, acting_user: User) -> Upload:
    """Check a failed upload's stored file again and, when it still passes, queue its import.

    Nothing of a failed import was committed, so retrying starts from the file. A file that
    now has problems comes back ``invalid`` with them listed (and can then be discarded).
    """
    locked = Upload.objects.select_for_update().get(pk=upload.pk)
    if locked.status not in RETRYABLE:
        raise ValidationError(
            f"Only a failed import can be retried; this upload is "
            f"{locked.get_status_display().lower()}."
        )
    locked.status = UploadStatus.RECEIVED
    locked.failure = ""
    locked.progress = 0
    locked.save(update_fields=["status", "failure", "progress"])
    try:
        checked = upload_validate(upload=locked, acting_user=acting_user)
    except FileNotFoundError:
        raise ValidationError(
            "The stored file is missing: discard this upload and send the file again."
        ) from None
    if checked.status != UploadStatus.VALIDATED:
        return checked
    return upload_confirm(upload=checked, acting_user=acting_user)


@transaction.atomic
def upload_discard(*, upload: Upload, acting_user: User) -> None:
    """Remove an upload that imported nothing (refused, not yet confirmed, waiting or failed)
    and its stored file, so that the same file can be sent again."""
    locked = Upload.objects.select_for_update().get(pk=upload.pk)
    if locked.status not in DISCARDABLE:
        raise ValidationError(
            f"An upload that is {locked.get_status_display().lower()} cannot be discarded."
        )
    name = locked.file.name
    log.info(
        "Upload %s (%s, site %s) discarded by user %s",
        locked.pk,
        locked.original_name,
        locked.site_id,
        acting_user.pk,
    )
    drop_upload_stage(locked.pk)  # a cancelled preview leaves no stage
    locked.delete()
    if name:
        transaction.on_commit(partial(locked.file.storage.delete, name))


def upload_import_now(*, upload: Upload, acting_user: User | None) -> Upload:
    """Import a checked upload in this process, without the queue (command line, demo seed)."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != UploadStatus.VALIDATED:
            raise ValidationError(
                f"This upload cannot be imported: it is {locked.get_status_display().lower()}."
            )
        locked.status = UploadStatus.QUEUED
        locked.confirmed_by = acting_user
        locked.save(update_fields=["status", "confirmed_by"])
    result = upload_import(upload_id=upload.pk)
    assert result is not None
    return result


class _ImportAborted(Exception):
    pass


def _stage_frame(
    kind: str, clean: pd.DataFrame, offense_ids: dict[str, int], time_zone: str = ""
) -> pd.DataFrame:
    """Clean parser rows → the staging table's columns (local times of ``time_zone``, the
    site's, stored as UTC)."""
    out = clean.rename(columns={"_row": "row_no"})
    if kind == UploadKind.MONTHLY_COUNTS:
        out = out.assign(
            month=out["month"].map(lambda d: d.isoformat()),
            offense_id=out["offense"].map(offense_ids).astype("Int64"),
        )
    elif kind == UploadKind.INCIDENTS:
        at = pd.to_datetime(out["occurred_at"])
        if at.notna().any():
            at = (
                at.dt.tz_localize(
                    time_zone or settings.TIME_ZONE, ambiguous="NaT", nonexistent="shift_forward"
                )
                .dt.tz_convert("UTC")
                .dt.tz_localize(None)
            )
        out = out.assign(occurred_at=at)  # the offense stays a code: the merge joins it
    else:
        out = out.assign(
            period_start=out["period_start"].map(lambda d: d.isoformat()),
            period_end=out["period_end"].map(lambda d: d.isoformat()),
            sample_size=out["sample_size"].astype("Int64"),
        )
    return out


def _mapped_column(upload: Upload, target: str) -> str:
    """The file's column mapped to ``target`` at preview (for naming it in a message)."""
    columns = upload.read_summary().columns
    return next((h for h, t in columns.items() if t == target), target)


def _check_incident_references(
    stage: Stage, *, site_id: int, upload_id: int, offense_column: str
) -> None:
    """What the foreign keys of ``site``, ``offense`` and ``upload`` would have checked at
    commit, once per import (docs/decisions/0006: declared without a database constraint)."""
    if not upload_exists(upload_id):
        raise _ImportAborted("The upload was deleted while it was being imported.")
    if not site_exists(site_id):
        raise _ImportAborted("The site was deleted while this file was being imported.")
    unknown = unknown_offenses(stage)
    if unknown:
        listed = "; ".join(
            str(Problem(row, offense_column, code, "is not an offense in the database."))
            for row, code in unknown[:5]
        )
        raise _ImportAborted(f"Nothing was imported. {listed}")


def upload_import(*, upload_id: int, final_attempt: bool = True) -> Upload | None:
    """Import a confirmed upload: every row or none.

    Idempotent: an imported upload is left alone; an upload found ``importing`` (its worker
    died) is imported again from the start — nothing of the lost attempt was committed.
    Rows are staged chunk by chunk while ``progress`` is written to the upload; the merge,
    the revision history, the data-quality flags and the upload's final status commit in one
    transaction, after which the site's metrics are queued for recomputation through
    :func:`metric_run_request` (a run row that de-duplicates with a waiting run and records a
    broker that cannot be reached). A transient database error propagates (the task retries;
    on its ``final_attempt`` the upload is marked ``failed`` first); anything else marks the
    upload ``failed``.
    """
    from metrics.services.quality import quality_check_site
    from metrics.services.runs import metric_run_request

    upload = Upload.objects.select_related("site", "confirmed_by").filter(pk=upload_id).first()
    if upload is None or upload.status not in (UploadStatus.QUEUED, UploadStatus.IMPORTING):
        return upload
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.IMPORTING, started_at=timezone.now(), progress=0, failure=""
    )
    staged = _preview_stage(upload)
    if staged is not None and not staged.exists():
        staged = None  # swept (PSP_IMPORT_STAGE_HOURS) or lost: read the file again
    stage = staged or Stage(upload.kind)
    offense_ids = dict(Offense.objects.values_list("code", "id"))
    total = max(upload.rows_total, 1)

    def on_chunk(clean: pd.DataFrame, scan: base.Scan) -> None:
        stage.write(_stage_frame(upload.kind, clean, offense_ids, upload.site.local_time_zone))
        pct = min(90, int(90 * scan.rows_read / total))
        Upload.objects.filter(pk=upload.pk).update(progress=pct)

    timings: dict[str, float] = {}  # seconds per phase, kept in the summary for operators
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now_ = time.perf_counter()
        timings[phase] = round(now_ - clock, 3)
        clock = now_

    try:
        if staged is not None:  # the preview read, checked and staged the file
            stage.count()
            Upload.objects.filter(pk=upload.pk).update(progress=10)
            offense_column = _mapped_column(upload, "offense")
            lap("staged at preview")
        else:
            stage.create()
            parser = _parser(upload)
            result = _scan(upload, parser, on_chunk)
            lap("read, check and stage")
            if result.problems:
                raise _ImportAborted(
                    f"The file no longer passes its checks ({result.problems.total} problems); "
                    "upload it again."
                )
            offense_column = parser.col.get("offense", "offense")
        user_id = upload.confirmed_by_id or upload.uploaded_by_id
        now = timezone.now()
        with transaction.atomic():
            if upload.kind == UploadKind.MONTHLY_COUNTS:
                locked = upload_locked_problem(upload)
                if locked is not None:
                    raise _ImportAborted(str(locked["message"]))
                merged = merge_monthly_counts(
                    stage, site_id=upload.site_id, upload_id=upload.pk, user_id=user_id, now=now
                )
            elif upload.kind == UploadKind.INCIDENTS:
                _check_incident_references(
                    stage,
                    site_id=upload.site_id,
                    upload_id=upload.pk,
                    offense_column=offense_column,
                )
                lap("reference checks")
                merged = merge_incidents(
                    stage, site_id=upload.site_id, source=upload.source, upload_id=upload.pk
                )
            else:
                merged = merge_trust(stage, site_id=upload.site_id, upload_id=upload.pk, now=now)
            lap("merge")
            upload_months_submitted(upload)
            flags = quality_check_site(site=upload.site, upload=upload)
            lap("data-quality rules")
            upload.refresh_from_db()
            upload.status = UploadStatus.IMPORTED
            upload.progress = 100
            upload.rows_imported = stage.rows
            upload.rows_added = merged.added
            upload.rows_revised = merged.revised
            upload.rows_unchanged = merged.unchanged
            upload.finished_at = timezone.now()
            upload.summary = replace(
                upload.read_summary(),
                revisions=tuple(Revision.from_json(r) for r in merged.revisions),
                flags_raised=tuple(flags.raised),
                timings=dict(timings),
            ).as_json()
            upload.save()
            metric_run_request(
                site=upload.site, acting_user=upload.confirmed_by, trigger=RunTrigger.IMPORT
            )
            if staged is not None:
                stage.drop()  # with the merge: a crash before commit keeps both
        lap("commit")  # PostgreSQL checks the deferred foreign keys here
        Upload.objects.filter(pk=upload.pk).update(
            summary=replace(upload.read_summary(), timings=dict(timings)).as_json()
        )
    except TRANSIENT_ERRORS as exc:
        if final_attempt:
            _mark_failed_after_transient_error(upload.pk, exc)
        raise
    except FileRejected as exc:
        upload_mark_failed(upload_id=upload.pk, reason=str(exc))
    except _ImportAborted as exc:
        upload_mark_failed(upload_id=upload.pk, reason=str(exc))
    except Exception as exc:
        log.exception("Import of upload %s failed", upload.pk)
        upload_mark_failed(
            upload_id=upload.pk,
            reason=f"The import stopped on an unexpected error ({type(exc).__name__}); nothing "
            "was imported. The administrators have the details.",
        )
    finally:
        # A temporary stage goes now; an upload's stage too unless the import may run again
        # (a transient error: the task retries and merges the same stage).
        try:
            if (
                staged is None
                or Upload.objects.filter(pk=upload.pk, status=UploadStatus.FAILED).exists()
            ):
                stage.drop()
        except Exception:  # the connection may be gone; a temporary table went with it
            log.warning("Could not drop the staging table of upload %s", upload.pk)
    return Upload.objects.filter(pk=upload.pk).first()


def _mark_failed_after_transient_error(upload_id: int, exc: Exception) -> None:
    """The last attempt met the database down too: say so on the upload if it can be written."""
    try:
        upload_mark_failed(
            upload_id=upload_id,
            reason=f"The database was unavailable ({exc}).",
        )
    except TRANSIENT_ERRORS:
        log.exception("Could not record the failure of upload %s", upload_id)


def upload_mark_failed(*, upload_id: int, reason: str) -> None:
    """Record that an import failed (nothing of it was committed) and why."""
    Upload.objects.filter(pk=upload_id).exclude(status=UploadStatus.IMPORTED).update(
        status=UploadStatus.FAILED, failure=reason[:2000], finished_at=timezone.now()
    )
