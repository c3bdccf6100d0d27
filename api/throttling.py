"""Request limits per token (``docs/design.md §8``; defaults in ``psp/settings/base.py``).

A token-authenticated request counts against its token, so one script cannot exhaust its
owner's other tokens or their browser session; a session request counts against the person.
Anonymous requests are refused before they are counted (every route needs sign-in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenRateThrottle(SimpleRateThrottle):
    """``PSP_API_RATE`` requests per token (or per signed-in session user)."""

    scope = "api"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenWriteRateThrottle(TokenRateThrottle):
    """A lower limit for writes (``PSP_API_WRITE_RATE``): each one may queue an import."""

    scope = "api_write"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
