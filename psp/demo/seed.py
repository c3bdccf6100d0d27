"""``seed_demo``: the whole demo portfolio, each app's records through its own services."""

from __future__ import annotations

from notifications.services.notify import sends_held
from psp.demo import comparison, engagements, notifications, outcomes, sites
from psp.demo.sites import SeedReport


def seed_demo() -> SeedReport:
    """Seed people and sites, then each site's engagements and TA, its outcome data, and its
    metrics (computed now). Idempotent: a second run changes nothing. Raises
    ``ImproperlyConfigured`` outside demo mode."""
    with sends_held():  # the demo's emails wait in the outbox (the email log shows them)
        report = sites.seed()
        engagements.seed(report)
        outcomes.seed(report)
        comparison.seed(report)
        outcomes.compute(report)
        notifications.seed(report)
    return report
