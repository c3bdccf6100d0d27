"""``manage.py load_comparison_pool FILE``: load the national GVA comparison pool
(docs/metrics.md §8.1). Idempotent and all-or-nothing; a bad file is refused naming row and
column, with nothing loaded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.services.comparison import PoolRejected, load_comparison_pool


class Command(BaseCommand):
    help = "Load the national comparison pool (GVA incidents, CSV or .csv.gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        started = time.perf_counter()
        try:
            result = load_comparison_pool(path, progress=self.stdout.write)
        except PoolRejected as exc:
            raise CommandError(
                "The file was refused; nothing was loaded:\n  " + "\n  ".join(exc.problems)
            ) from exc
        pool = result.pool
        verb = "Loaded" if result.created else "Unchanged:"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {pool.rows:,} incidents, {pool.places:,} places, {result.counts:,} "
                f"monthly counts ({pool.coverage_start:%b %Y}–{pool.coverage_end:%b %Y}) in "
                f"{time.perf_counter() - started:.1f} s"
            )
        )
