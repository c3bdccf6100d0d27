"""``manage.py demo_mfa_code``: the current second-step code of the demo admins and BJA staff
(demo mode only), so `make run` stays usable with two-step verification on."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from psp.demo.sites import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current 6-digit code of the demo authenticator (runs only with PSP_DEMO=1)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("The demo code exists only with PSP_DEMO=1.")
        self.stdout.write(f"{totp(bytes.fromhex(DEMO_TOTP_KEY)):06d}")
