"""manage.py import_incidents --site SLUG [--preset gva] [--coverage-start YYYY-MM
--coverage-end YYYY-MM] FILE"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.intake.incidents import PRESETS
from metrics.management.commands._import import run_import
from metrics.models import UploadKind


def _month(value: str | None, flag: str) -> dt.date | None:
    if not value:
        return None
    try:
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(f"{flag} must be a month as YYYY-MM, not “{value}”.") from None


class Command(BaseCommand):
    help = "Import incident records for a site (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="the site's slug")
        parser.add_argument("--preset", choices=sorted(PRESETS), default="")
        parser.add_argument("--source", default="", help="source name (default: records)")
        parser.add_argument("--coverage-start", help="first month covered, YYYY-MM")
        parser.add_argument("--coverage-end", help="last month covered, YYYY-MM")
        parser.add_argument("--sheet", default="")
        parser.add_argument("file")

    def handle(self, *args: Any, **opts: Any) -> None:
        start = _month(opts["coverage_start"], "--coverage-start")
        end = _month(opts["coverage_end"], "--coverage-end")
        run_import(
            self,
            slug=opts["site"],
            path=opts["file"],
            kind=UploadKind.INCIDENTS,
            preset=opts["preset"],
            source=opts["source"],
            sheet=opts["sheet"],
            coverage_start=start,
            coverage_end=end,
        )
