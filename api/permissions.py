"""Who may call the API. Site-level rules stay in ``sites/permissions.py`` (``docs/design.md
§3``); these add what is about the API itself: signed in, and a read-only token never writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import permissions

from api.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class SignedInWithTokenScope(permissions.BasePermission):
    """Signed in (session or token) and, for a write, not through a read-only token."""

    message = "This token is read-only; create a read-and-write token to change data."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write
