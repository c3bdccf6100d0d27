"""The demo's national comparison pool (docs/metrics.md §8.1): loaded once from
``demo_data/gva_us_2014_2018.csv.gz``, and every demo site the pool has linked to its place."""

from __future__ import annotations

from pathlib import Path

from metrics.models import ComparisonLink, ComparisonPool
from metrics.services.comparison import find_place, link_comparison_place, load_comparison_pool
from psp.demo.sites import SeedReport
from sites.models import Site

POOL_FILE = Path(__file__).parent / "demo_data" / "gva_us_2014_2018.csv.gz"


def seed(report: SeedReport) -> None:
    if not ComparisonPool.objects.exists():
        result = load_comparison_pool(POOL_FILE)
        report.created.append(f"comparison pool ({result.pool.rows:,} incidents)")
    linked = set(ComparisonLink.objects.values_list("site_id", flat=True))
    for site in Site.objects.order_by("slug"):
        if site.pk in linked or find_place(site.state, site.name) is None:
            continue
        link_comparison_place(site, site.state, site.name)
        report.created.append(f"comparison link {site.slug}")
