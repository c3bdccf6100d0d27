"""``manage.py seed_demo``: the demo portfolio (idempotent; needs PSP_DEMO=1)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from engagements import demo as engagements_demo
from metrics import demo as metrics_demo
from metrics.engine.demo import compute_demo
from sites.demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo users and the ten named PSP sites (runs only with PSP_DEMO=1)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = seed_demo()
            # Each app seeds its own records once the sites exist.
            engagements_demo.seed(report)
            metrics_demo.seed(report)
            compute_demo(report)  # metrics of every seeded site, computed now (idempotent)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if report.changed:
            self.stdout.write(f"Demo data: created {len(report.created)} records.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, role in report.users:
            self.stdout.write(f"  {email:<24} {role}")
