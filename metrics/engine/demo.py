"""Compute every demo site's metrics synchronously at the end of ``manage.py seed_demo``.

Idempotent: a site whose stored results already carry the fingerprint of its current inputs is
left alone, so running the seed twice writes nothing the second time.
"""

from __future__ import annotations

from metrics.engine.services import metrics_compute_site
from sites.demo.seed import SeedReport
from sites.models import Site


def compute_demo(report: SeedReport) -> None:
    """Compute metrics for every site; record in ``report`` each site whose results changed."""
    for site in Site.objects.order_by("slug"):
        summary = metrics_compute_site(site=site)
        if summary.outcome == "written":
            report.created.append(f"metrics {site.slug} ({summary.results} results)")
