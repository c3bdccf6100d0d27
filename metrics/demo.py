"""Demo data of the metrics app, called by ``manage.py seed_demo`` after the sites exist.

Must be idempotent: running the seed twice changes nothing.
"""

from __future__ import annotations

from sites.demo.seed import SeedReport


def seed(report: SeedReport) -> None:
    """Add this app's demo records (nothing yet)."""
    return None
