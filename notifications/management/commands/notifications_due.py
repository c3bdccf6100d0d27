"""``manage.py notifications_due [--date YYYY-MM-DD] [--dry-run]``: write (or, dry, print as JSON
lines) the time-based notifications of a day; without ``--dry-run`` the outbox is then sent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from notifications.services.due import notifications_due
from notifications.services.outbox import flush_outbox


class Command(BaseCommand):
    help = "Write the day's overdue and due-soon notifications (JSON lines with --dry-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day, YYYY-MM-DD (default: today).")
        parser.add_argument("--dry-run", action="store_true", help="Print, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options["date"]
        if raw:
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError as exc:
                raise CommandError(f"--date: “{raw}” is not a date like 2026-03-02.") from exc
        else:
            day = timezone.localdate()
        planned = notifications_due(day, dry_run=options["dry_run"])
        for p in planned:
            self.stdout.write(json.dumps(p.as_json()))
        if not options["dry_run"]:
            result = flush_outbox()
            self.stderr.write(
                f"{len(planned)} notifications written; {len(result.sent)} emails sent, "
                f"{len(result.failed)} failed."
            )
