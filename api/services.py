"""Writes of the API app: create and revoke personal tokens, note their use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, TokenScope

if TYPE_CHECKING:
    from psp.accounts.models import User

KEY_PREFIX = "psp_"
MAX_DAYS = 366
# Recording every request's use would write a row per request; once a minute says enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just created and its secret, which is never available again."""

    token: ApiToken
    key: str


@transaction.atomic
def api_token_create(*, acting_user: User, name: str, scope: str, days: int) -> NewToken:
    """Create a token for ``acting_user`` (valid ``days`` days, 1 to 366). Only the SHA-256 of
    the secret is stored; the returned ``key`` is the one time it is shown."""
    owner = acting_user
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the token a name that says where it is used."
    elif owner.api_tokens.filter(name=name, revoked_at__isnull=True).exists():
        errors["name"] = f"You already have a token named “{name}”; revoke it or choose another."
    if scope not in TokenScope.values:
        errors["scope"] = f"“{scope}” is not a token scope (read or write)."
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = f"A token is valid for 1 to {MAX_DAYS} days."
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=owner,
        name=name,
        scope=scope,
        prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=hash_key(key),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return NewToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    """Revoke a token at once. Its owner may revoke it, and so may an administrator."""
    if token.user_id != acting_user.pk and not acting_user.is_psp_admin:
        raise PermissionDenied("Only the token's owner or an administrator can revoke it.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = acting_user
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record that ``token`` was used (at most once a minute, in one UPDATE)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
