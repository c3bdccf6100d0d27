"""``manage.py export_metrics --site SLUG [--format json|csv]``: print a site's stored metrics."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.engine.export import export_csv, export_json
from metrics.models import MetricResult
from sites.models import Site


class Command(BaseCommand):
    help = (
        "Print the stored metrics of a site as one JSON document or as CSV (the contract is "
        "in docs/metrics.md §9). Run compute_metrics first if the site has none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", metavar="SLUG", required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site with slug {options['site']!r}.")
        if not MetricResult.objects.filter(site=site).exists():
            raise CommandError(
                f"{site.name} has no computed metrics yet: run "
                f"`manage.py compute_metrics --site {site.slug}` first."
            )
        text = export_json(site) if options["format"] == "json" else export_csv(site)
        self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
