"""``manage.py reporting_status [--site SLUG] [--as-of YYYY-MM-DD] --format json|csv``: print the
completeness and timeliness table (docs/metrics.md §10)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from metrics.selectors.reporting import COLUMNS, reporting_status
from sites.models import Site


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Print, for every site (or one), each month × offense its reporting schedule expects: "
        "when it was received, when it was due, whether on time, late, missing or not due yet, "
        "and where the month stands in review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", metavar="SLUG")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date)
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        sites = Site.objects.order_by("name")
        if options["site"]:
            sites = sites.filter(slug=options["site"])
            if not sites.exists():
                raise CommandError(f"No site with slug {options['site']!r}.")
        as_of = options["as_of"] or timezone.localdate()
        rows = [r.as_json() for r in reporting_status(list(sites), as_of=as_of)]
        if options["format"] == "json":
            text = json.dumps({"as_of": as_of.isoformat(), "sites": rows}, indent=2)
        else:
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "expected": "true" if row["expected"] else "false"})
            text = out.getvalue()
        self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
