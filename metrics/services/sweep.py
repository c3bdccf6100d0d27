"""Find uploads that nothing is working on any more, and settle them (issue 21, M1/M2).

Run every few minutes by beat (``metrics.tasks.sweep_uploads``) and by hand with
``manage.py sweep_uploads``. Two cases (docs/reliability.md §1.5):

- **waiting**: the task queue was down when the import was confirmed. It is queued again; if the
  queue is still down it stays waiting.
- **importing, and no worker has it**: the whole worker died mid-import (a killed child is
  re-queued by Celery itself, a killed worker only after the broker's visibility timeout, an
  hour). The upload is marked failed with the reason and a retry — not re-queued blindly,
  because a file that killed a worker may kill the next one too. Whether a worker has it comes
  from asking the workers; when they cannot be asked, only an import older than the task's hard
  time limit (which no live import can outlast) is settled.

It also drops upload stage tables (the preview's checked rows, issue 20) that no import will
merge: of an upload that is gone, refused, failed or imported (a crash between the stage and
its drop), and any older than ``PSP_IMPORT_STAGE_HOURS`` — whose import then reads the file again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from metrics.intake.writer import drop_upload_stage, upload_stages
from metrics.models import Upload, UploadStatus
from metrics.services.uploads import upload_enqueue, upload_mark_failed

log = logging.getLogger(__name__)

IMPORT_TASK = "metrics.tasks.import_upload"
# An import younger than this is left alone even when no worker reports it: the worker may
# not have answered the ping yet, or the message is between the queue and the worker.
GRACE = dt.timedelta(seconds=60)
LOST_REASON = (
    "The worker importing this file stopped before it finished (it was restarted, or ran out "
    "of memory or time); nothing was imported. Retry the import, or discard the upload."
)


@dataclass
class SweepResult:
    requeued: list[int] = field(default_factory=list)
    still_waiting: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stages_dropped: list[int] = field(default_factory=list)


def imports_in_workers(timeout: float = 2.0) -> set[int] | None:
    """Ids of uploads whose import a worker is running or holds; ``None`` when the workers
    cannot be asked (no broker, or no worker answered)."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from psp.celery import app

    try:
        inspector = app.control.inspect(timeout=timeout)
        active = inspector.active()
        reserved = inspector.reserved() or {}
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot tell"
        log.warning("Could not ask the workers for their imports: %s", type(exc).__name__)
        return None
    if not active:
        return None
    ids: set[int] = set()
    for tasks in [*active.values(), *reserved.values()]:
        for task in tasks:
            args = task.get("args") or []
            if task.get("name") == IMPORT_TASK and args:
                ids.add(int(args[0]))
    return ids


def _import_hard_limit() -> dt.timedelta:
    """The import task's hard time limit (the global one, psp/celery.py) and a minute."""
    from psp.celery import app

    return dt.timedelta(seconds=int(app.conf.task_time_limit or 900) + 60)


def uploads_sweep(
    *, now: dt.datetime | None = None, in_workers: set[int] | None = None
) -> SweepResult:
    """Queue again the uploads left waiting; fail the imports no worker has any more.

    ``in_workers`` is :func:`imports_in_workers` (passed in by the task and the command, and by
    tests); ``None`` means the workers could not be asked.
    """
    now = now or timezone.now()
    result = SweepResult()
    for upload_id in Upload.objects.filter(status=UploadStatus.WAITING).values_list(
        "pk", flat=True
    ):
        claimed = Upload.objects.filter(pk=upload_id, status=UploadStatus.WAITING).update(
            status=UploadStatus.QUEUED, failure=""
        )
        if not claimed:
            continue
        if upload_enqueue(upload_id=upload_id):
            result.requeued.append(upload_id)
        else:
            result.still_waiting.append(upload_id)
    limit = _import_hard_limit() if in_workers is None else GRACE
    stale = Upload.objects.filter(status=UploadStatus.IMPORTING, started_at__lt=now - limit)
    for upload_id in stale.values_list("pk", flat=True):
        if in_workers is not None and upload_id in in_workers:
            continue
        upload_mark_failed(upload_id=upload_id, reason=LOST_REASON)
        log.warning("Upload %s was importing with no worker: marked failed", upload_id)
        result.failed.append(upload_id)
    result.stages_dropped = stages_sweep(now=now)
    return result


# An upload in one of these states may still be confirmed or imported: its stage is kept
# (unless expired).
STAGE_USERS = (
    UploadStatus.VALIDATED,
    UploadStatus.QUEUED,
    UploadStatus.WAITING,
    UploadStatus.IMPORTING,
)


def stages_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Drop the stage tables no import will merge; the ids of their uploads."""
    now = now or timezone.now()
    stages = upload_stages()
    if not stages:
        return []
    expiry = now - dt.timedelta(hours=settings.PSP_IMPORT_STAGE_HOURS)
    live = set(
        Upload.objects.filter(pk__in=stages, status__in=STAGE_USERS).values_list("pk", flat=True)
    )
    dropped = []
    for upload_id, made in sorted(stages.items()):
        if upload_id in live and made is not None and made >= expiry:
            continue
        drop_upload_stage(upload_id)
        log.info("Dropped the import stage of upload %s", upload_id)
        dropped.append(upload_id)
    return dropped
