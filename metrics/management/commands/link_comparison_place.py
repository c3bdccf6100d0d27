"""``manage.py link_comparison_place --site SLUG --state "Maryland" --place "Baltimore"``: link
a site to its place in the comparison pool (docs/metrics.md §9.6)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.services.comparison import ComparisonLinkError, link_comparison_place
from sites.models import Site


class Command(BaseCommand):
    help = (
        "Link a site to its place in the comparison pool (state and place as the pool spells them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True)
        parser.add_argument("--state", required=True)
        parser.add_argument("--place", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site with slug {options['site']!r}")
        try:
            link = link_comparison_place(site, options["state"], options["place"])
        except ComparisonLinkError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{site.name} is linked to {link.place} in the comparison pool")
        )
