"""The request a view behind ``@login_required`` receives: its user is a signed-in ``User``."""

from __future__ import annotations

from psp.accounts.models import User
from psp.core.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """``request.user`` narrowed to the project's ``User``: ``@login_required`` has already sent
    anonymous visitors to sign in, so the view never sees ``AnonymousUser``. For annotations
    only (the django-stubs pattern); views receive a plain ``HttpRequest`` at runtime."""

    user: User
