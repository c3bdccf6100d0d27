"""``manage.py seed_demo``: the demo portfolio (idempotent; needs PSP_DEMO=1)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from psp.demo.seed import seed_demo
from psp.demo.sites import DEMO_PASSWORD, DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Create the demo users and the ten named PSP sites (runs only with PSP_DEMO=1)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = seed_demo()
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
        if settings.DEMO_MODE:
            from base64 import b32encode

            secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
            self.stdout.write("")
            self.stdout.write(
                "Admins and BJA staff also need a second-step code (two-step verification):\n"
                "  .venv/bin/python manage.py demo_mfa_code   prints the current one, or add\n"
                f"  the key {secret} to an authenticator app."
            )
