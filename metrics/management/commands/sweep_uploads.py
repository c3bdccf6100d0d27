"""``manage.py sweep_uploads``: settle uploads that nothing is working on (docs/reliability.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from metrics.services.sweep import imports_in_workers, uploads_sweep


class Command(BaseCommand):
    help = (
        "Queue again the uploads left waiting by a task queue outage, and mark failed (with a "
        "retry) the imports that no worker is running any more. Beat runs the same every two "
        "minutes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = uploads_sweep(in_workers=imports_in_workers())
        self.stdout.write(
            f"Queued again: {len(result.requeued)}; still waiting for the queue: "
            f"{len(result.still_waiting)}; failed (no worker had them): {len(result.failed)}; "
            f"import stages dropped: {len(result.stages_dropped)}."
        )
        for upload_id in result.failed:
            self.stdout.write(f"  upload #{upload_id}: failed, can be retried")
