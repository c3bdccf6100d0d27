"""Reads of the API app: the tokens a person sees on the tokens page."""

from __future__ import annotations

from django.db.models import QuerySet

from api.models import ApiToken
from psp.accounts.models import User


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """``user``'s own tokens, newest first, revoked ones included (they stay listed)."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


def tokens_of_everyone(user: User) -> QuerySet[ApiToken]:
    """Every person's tokens that still work, for administrators; nothing for anyone else."""
    if not user.is_psp_admin:
        return ApiToken.objects.none()
    return ApiToken.objects.usable().select_related("user").order_by("user__email", "-created_at")
