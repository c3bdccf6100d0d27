"""``manage.py onboard_sites FILE --as EMAIL``: onboard the sites in a CSV, all or none.

The same validation and service as the "Onboard several sites" page. On any problem it prints the
full report (row, column, value, reason), creates nothing and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psp.accounts.models import User
from sites.onboarding.bulk import parse_onboarding_csv, sites_onboard_bulk


class Command(BaseCommand):
    help = "Onboard every site in a CSV file (validated in full first; all sites or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, e.g. docs/onboarding-sample.csv")
        parser.add_argument(
            "--as",
            dest="acting_email",
            required=True,
            help="email of the PSP administrator doing the onboarding (recorded in history)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report only; create nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        acting = User.objects.filter(email__iexact=options["acting_email"].strip()).first()
        if acting is None or not acting.is_psp_admin:
            raise CommandError(
                f"{options['acting_email']} is not an active PSP administrator; "
                "only administrators onboard sites."
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        report = parse_onboarding_csv(data)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{path}: {len(report.errors)} problem(s) found; no sites were created."
            )
        for row in report.rows:
            self.stdout.write(
                f"Row {row.row}: {row.name}, {row.state} ({row.kind}), cohort {row.cohort_year}, "
                f"starts {row.start:%b} {row.start.day}, {row.start.year}"
            )
        if options["dry_run"]:
            self.stdout.write(f"{len(report.rows)} site(s) are valid; dry run, nothing created.")
            return
        try:
            sites = sites_onboard_bulk(acting_user=acting, rows=report.rows)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages) + " No sites were created.") from exc
        self.stdout.write(self.style.SUCCESS(f"Onboarded {len(sites)} site(s)."))
