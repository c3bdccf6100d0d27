"""How django-axes identifies the account being tried: the normalised email.

Without normalising, "Lee@x.gov" and "lee@x.gov " would count as different accounts and let an
attacker multiply the failure limit by varying case.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The email from the credentials or the posted form, stripped and lower-cased."""
    raw = (credentials or {}).get("username") or request.POST.get("username")
    return raw.strip().lower() if raw else None
