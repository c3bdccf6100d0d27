"""Sign-in throttling with django-axes (docs/reliability.md, "Sign-in and second factor").

Two limits, both counted over the cool-off window (15 minutes):

- 5 failures for one account *from one address* lock that account at that address only, so a
  stranger elsewhere can never lock someone else (the admin included) out of their account;
- 20 failures from one address, whatever the accounts, block the address: password spraying
  (a few guesses at many accounts) stops there.

django-axes compares the largest count of its lockout parameters with a single limit, so
:class:`AccountAndAddressHandler` reports the per-address count only once it reaches its own,
higher limit. A successful sign-in clears only that account's failures from that address,
so signing in to one's own account does not wipe the address's record of spraying.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The email from the credentials or the posted form, stripped and lower-cased.

    Without normalising, "Lee@x.gov" and "lee@x.gov " would count as different accounts and
    let an attacker multiply the failure limit by varying case.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username")
    return raw.strip().lower() if raw else None


def client_address(request: HttpRequest) -> str | None:
    """The address that counts for throttling: REMOTE_ADDR, or behind ``PSP_TRUSTED_PROXY_HOPS``
    reverse proxies the address the outermost trusted proxy saw (the n-th entry from the right
    of X-Forwarded-For; entries further left are written by the client and never trusted).
    Without this, every sign-in behind a proxy would share the proxy's address."""
    hops = settings.PSP_TRUSTED_PROXY_HOPS
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops and len(forwarded) >= hops:
        return str(forwarded[-hops])
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


class AccountAndAddressHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Per account-and-address limit (AXES_FAILURE_LIMIT), per-address limit
    (PSP_AXES_ADDRESS_FAILURE_LIMIT); expects AXES_LOCKOUT_PARAMETERS =
    ["ip_address", ["username", "ip_address"]]."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_address, by_account_and_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        account_limit = int(settings.AXES_FAILURE_LIMIT)
        if by_address >= settings.PSP_AXES_ADDRESS_FAILURE_LIMIT:
            return max(by_account_and_address, account_limit)
        return int(by_account_and_address)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        *_, by_account_and_address = self.filter_user_attempts(request, credentials)
        count, _ = by_account_and_address.delete()
        return int(count)
