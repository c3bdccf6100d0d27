"""Staff-wide permission checks (not about one site; site rules are in ``sites.permissions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from psp.accounts.models import User


def require_admin(user: User) -> None:
    """Raise 403 unless ``user`` is an active PSP administrator.

    Onboarding and user management are not about one site, so there is nothing to hide with a
    404: every signed-in non-admin gets the same 403 (anonymous users are sent to sign in first).
    """
    if not getattr(user, "is_psp_admin", False):
        raise PermissionDenied("Only PSP administrators can onboard sites and manage users.")
