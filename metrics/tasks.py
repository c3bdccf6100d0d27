"""Background work for metrics: thin tasks that take ids, re-fetch and call a service.

Every task is safe to run twice (docs/reliability.md): results are keyed by their inputs'
fingerprint, so a redelivered or retried recompute rewrites the same results or skips, and an
import found imported is left alone. Acks are late and a task whose worker dies is re-queued
(``task_reject_on_worker_lost`` in psp/celery.py); every task follows the one retry policy of
:mod:`psp.core.retry` (transient database errors only, exponential backoff with jitter,
bounded; on the final attempt the upload or run is marked failed with the reason); soft and hard
time limits sit far below the broker's visibility timeout.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_init

from metrics.models.results import TASK_SOFT_TIME_LIMIT, TASK_TIME_LIMIT
from psp.core.retry import RETRY_POLICY, is_final_attempt

# Heavy numerical imports happen once per worker process (when this module is imported by the
# worker at start-up), not per task: statsmodels alone takes about a second to import.
import metrics.services.runs  # noqa: E402,F401  isort: skip


@worker_init.connect
def _warm_up(**_: object) -> None:
    """Load the numerical code paths once in the worker's main process, before it forks."""
    from metrics.engine.build import warm_up

    warm_up()


@shared_task(
    name="metrics.tasks.recompute_all_sites",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    **RETRY_POLICY,
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
    **RETRY_POLICY,
)
def recompute_site(self, site_id: int, run_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """Recompute one site's metrics after its data changed or on request.

    Takes ids only; enqueued by :func:`metrics.services.runs.metric_run_request` with
    ``transaction.on_commit`` (on request, nightly and after every import). A message without
    ``run_id`` (queued before imports went through the request) gets a run row of its own.
    """
    from metrics.services.runs import metric_run_execute

    return metric_run_execute(site_id=site_id, run_id=run_id, final_attempt=is_final_attempt(self))


@shared_task(bind=True, name="metrics.tasks.import_upload", acks_late=True, **RETRY_POLICY)
def import_upload(self, upload_id: int) -> None:  # type: ignore[no-untyped-def]
    """Import a confirmed upload (idempotent; see ``services.upload_import``).

    A worker killed mid-import leaves nothing committed, and the message is re-delivered (acks
    late + reject on worker lost) and imported from the start.
    """
    from metrics import services

    services.upload_import(upload_id=upload_id, final_attempt=is_final_attempt(self))


@shared_task(name="metrics.tasks.sweep_uploads", acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_uploads() -> dict[str, list[int]]:
    """Every two minutes (beat): queue waiting uploads again, fail imports no worker has."""
    from metrics.services.sweep import imports_in_workers, uploads_sweep

    result = uploads_sweep(in_workers=imports_in_workers())
    return {"requeued": result.requeued, "failed": result.failed}
