"""Background work for metrics: thin tasks that take ids, re-fetch and call a service.

Both tasks are safe to run twice (docs/reliability.md): results are keyed by their inputs'
fingerprint, so a redelivered or retried task rewrites the same results or skips. Acks are late
and a task whose worker dies is re-queued (``task_reject_on_worker_lost`` in psp/celery.py);
transient database errors retry with exponential backoff and jitter, a bounded number of times;
soft and hard time limits sit far below the broker's visibility timeout.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_init
from django.db.utils import InterfaceError, OperationalError

from metrics.models.results import TASK_SOFT_TIME_LIMIT, TASK_TIME_LIMIT

# Heavy numerical imports happen once per worker process (when this module is imported by the
# worker at start-up), not per task: statsmodels alone takes about a second to import.
import metrics.services.runs  # noqa: E402,F401  isort: skip


@worker_init.connect
def _warm_up(**_: object) -> None:
    """Load the numerical code paths once in the worker's main process, before it forks."""
    from metrics.engine.build import warm_up

    warm_up()


RETRY_OPTIONS = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="metrics.tasks.recompute_all_sites",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    **RETRY_OPTIONS,
)
def recompute_all_sites() -> int:
    """Nightly recompute of every site's metrics: requests one run (and one task) per site."""
    from metrics.services.runs import metrics_request_all

    return len(metrics_request_all())


@shared_task(
    bind=True,
    name="metrics.tasks.recompute_site",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
    **RETRY_OPTIONS,
)
def recompute_site(self, site_id: int, run_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """Recompute one site's metrics after its data changed or on request.

    Takes ids only; enqueued by :func:`metrics.services.runs.metric_run_request` with
    ``transaction.on_commit``. Without ``run_id`` (e.g. an import calling it directly) a run row
    is created so the page can still show progress.
    """
    from metrics.services.runs import metric_run_execute

    final = self.request.retries >= self.max_retries
    return metric_run_execute(site_id=site_id, run_id=run_id, final_attempt=final)


@shared_task(bind=True, name="metrics.tasks.import_upload")
def import_upload(self, upload_id: int) -> None:  # type: ignore[no-untyped-def]
    """Import a confirmed upload (idempotent; see ``services.upload_import``).

    A transient database error is retried with backoff and jitter, three times; then the upload
    is marked failed. A worker killed mid-import leaves nothing committed, and the message is
    re-delivered (acks late + reject on worker lost) and imported from the start.
    """
    import random

    from django.db import InterfaceError, OperationalError

    from metrics import services

    try:
        services.upload_import(upload_id=upload_id)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries >= 3:
            services.upload_mark_failed(
                upload_id=upload_id, reason=f"The database was unavailable ({exc})."
            )
            return
        delay = 2**self.request.retries * 5 + random.uniform(0, 3)
        raise self.retry(exc=exc, countdown=delay) from exc
