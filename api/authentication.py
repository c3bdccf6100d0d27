"""``Authorization: Token <secret>``: a personal token acts as its owner (``api/models.py``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken
from api.services import api_token_touch, hash_key

KEYWORD = "Token"


class TokenAuthentication(authentication.BaseAuthentication):
    """A valid token authenticates as its owner; an unknown, revoked or expired token, or one of
    a deactivated person, is refused with 401 (never silently treated as anonymous)."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Token <secret>”, with no spaces in it."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                "The token has characters it cannot have."
            ) from None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown token.")
        status = token.status(timezone.now())
        if status != "active":
            raise exceptions.AuthenticationFailed(f"This token is {status}.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's owner is deactivated.")
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes the token in the OpenAPI document."""

    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal token from /api/tokens/, sent as `Token <secret>`.",
        }
