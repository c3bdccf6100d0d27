"""Signed-in clients for the benchmarks: the second factor counts as done (admins and staff must
have one, docs/decisions/0009-mfa.md), since the harness measures pages, not the sign-in."""

from __future__ import annotations

from typing import Any


def signed_in_client(user: Any) -> Any:
    """A Django test ``Client`` signed in as ``user``, second factor verified."""
    from django.test import Client

    from psp.accounts import mfa

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[mfa.SESSION_KEY] = mfa.VERIFIED
    session.save()
    return client
