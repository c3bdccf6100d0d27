"""``manage.py create_api_token --as EMAIL --name NAME [--write] [--days N]``: print a new
personal API token's secret (for scripts, and for trying the API against ``make run``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import TokenScope
from api.services import api_token_create
from psp.accounts.models import User


class Command(BaseCommand):
    help = "Create a personal API token for a person and print its secret (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="email", required=True, help="The token owner's email.")
        parser.add_argument("--name", required=True, help="Where the token is used.")
        parser.add_argument("--write", action="store_true", help="Read and write (default: read).")
        parser.add_argument("--days", type=int, default=90, help="Valid this many days (90).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active person with the email {options['email']}.")
        try:
            new = api_token_create(
                acting_user=user,
                name=options["name"],
                scope=TokenScope.WRITE if options["write"] else TokenScope.READ,
                days=options["days"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(new.key)
