"""Reads for the user-management pages (PSP administrators only; callers check that first)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from psp.accounts.models import Invitation, User


def users_for_management() -> QuerySet[User]:
    """Every account with its site memberships, in a constant number of queries."""
    from sites.models import SiteMembership

    memberships = SiteMembership.objects.select_related("site").order_by("site__name")
    return User.objects.order_by("-is_active", "full_name", "email").prefetch_related(
        Prefetch("memberships", queryset=memberships)
    )


def open_invitations() -> QuerySet[Invitation]:
    """Invitations not yet accepted (pending, expired or revoked), newest first, with sites."""
    return (
        Invitation.objects.filter(accepted_at__isnull=True)
        .select_related("created_by")
        .prefetch_related("sites")
        .order_by("-created_at", "-id")
    )
