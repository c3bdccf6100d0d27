"""Background work for metrics: thin tasks that take ids, re-fetch and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="metrics.tasks.recompute_all_sites")
def recompute_all_sites() -> None:
    """Nightly recompute of every site's metrics (no-op until the metrics engine lands)."""
    return None


@shared_task(name="metrics.tasks.recompute_site")
def recompute_site(site_id: int) -> None:
    """Recompute one site's metrics after its data changed (no-op until the metrics engine
    lands; enqueued by the import with ``transaction.on_commit``)."""
    return None


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
