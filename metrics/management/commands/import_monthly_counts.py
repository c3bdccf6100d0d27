"""manage.py import_monthly_counts --site SLUG FILE"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from metrics.management.commands._import import run_import
from metrics.models import UploadKind


class Command(BaseCommand):
    help = "Import a CSV/XLSX of monthly counts for a site (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="the site's slug")
        parser.add_argument("--sheet", default="", help="sheet of an .xlsx with several")
        parser.add_argument("file")

    def handle(self, *args: Any, **opts: Any) -> None:
        run_import(
            self,
            slug=opts["site"],
            path=opts["file"],
            kind=UploadKind.MONTHLY_COUNTS,
            sheet=opts["sheet"],
        )
