"""Background work for metrics. The metrics engine issue fills these in."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="metrics.tasks.recompute_all_sites")
def recompute_all_sites() -> None:
    """Nightly recompute of every site's metrics (no-op until the metrics engine lands)."""
    return None
