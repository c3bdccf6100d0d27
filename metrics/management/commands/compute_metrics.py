"""``manage.py compute_metrics [--site SLUG] [--force]``: compute metrics now, in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.services.runs import metrics_compute_site
from sites.models import Site


class Command(BaseCommand):
    help = (
        "Compute every metric of one site (--site SLUG) or of all sites, synchronously, and "
        "print a summary. Results for unchanged inputs are kept (use --force to rewrite)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", metavar="SLUG", help="only this site")
        parser.add_argument(
            "--force", action="store_true", help="recompute even when the inputs are unchanged"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["site"]
        sites = Site.objects.order_by("name")
        if slug:
            sites = sites.filter(slug=slug)
            if not sites.exists():
                raise CommandError(f"No site with slug {slug!r}.")
        total = 0
        for site in sites:
            s = metrics_compute_site(site=site, force=options["force"])
            total += 1
            through = s.data_through.strftime("%b %Y") if s.data_through else "no data"
            verb = "wrote" if s.outcome == "written" else "unchanged,"
            self.stdout.write(
                f"{site.slug}: {verb} {s.results} results ({s.ok} ok, {s.null} null), "
                f"data through {through}, {s.seconds:.2f} s"
            )
        self.stdout.write(f"Computed metrics for {total} site{'s' if total != 1 else ''}.")
