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
