"""Who may do what on a site (docs/design.md §3), decided in one place.

Views ask :func:`can`; scoped reads start from ``Site.objects.for_user``. A user who cannot see a
site gets 404 from :func:`get_site_for_user` (never 403, which would confirm it exists); a user who
can see it but not act gets 403 from :func:`require`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse

from psp.accounts.models import StaffRole
from sites.models import READ_ONLY_PHASES, MembershipRole, Site, SiteMembership

if TYPE_CHECKING:
    from psp.accounts.models import User


class SiteAction(StrEnum):
    VIEW = "view"
    VIEW_HISTORY = "view_history"
    EDIT_PROFILE = "edit_profile"
    LOG_WORK = "log_work"
    UPLOAD_DATA = "upload_data"
    SUBMIT_TA_REQUEST = "submit_ta_request"
    DECIDE_TA_REQUEST = "decide_ta_request"
    ADMINISTER = "administer"
    RECOMPUTE_METRICS = "recompute_metrics"


# Actions that change a site's work; refused on alumni/withdrawn sites, which are read-only.
_WRITES = {
    SiteAction.EDIT_PROFILE,
    SiteAction.LOG_WORK,
    SiteAction.UPLOAD_DATA,
    SiteAction.SUBMIT_TA_REQUEST,
    SiteAction.DECIDE_TA_REQUEST,
}

_STAFF_ACTIONS: dict[str, set[SiteAction]] = {
    StaffRole.ADMIN: set(SiteAction),
    StaffRole.BJA_STAFF: {
        SiteAction.VIEW,
        SiteAction.VIEW_HISTORY,
        SiteAction.LOG_WORK,
        SiteAction.UPLOAD_DATA,
        SiteAction.SUBMIT_TA_REQUEST,
        SiteAction.DECIDE_TA_REQUEST,
        SiteAction.RECOMPUTE_METRICS,
    },
    StaffRole.AUDITOR: {SiteAction.VIEW, SiteAction.VIEW_HISTORY},
}
_MEMBER_ACTIONS: dict[str, set[SiteAction]] = {
    MembershipRole.LIAISON: {
        SiteAction.VIEW,
        SiteAction.EDIT_PROFILE,
        SiteAction.LOG_WORK,
        SiteAction.UPLOAD_DATA,
        SiteAction.SUBMIT_TA_REQUEST,
    },
    MembershipRole.PARTNER: {SiteAction.VIEW, SiteAction.SUBMIT_TA_REQUEST},
}


def membership_roles(user: User, site: Site) -> frozenset[str]:
    """The user's membership roles on ``site``, cached on the user object for the request."""
    cache: dict[int, frozenset[str]] = user.__dict__.setdefault("_psp_site_roles", {})
    if site.pk not in cache:
        cache[site.pk] = frozenset(
            SiteMembership.objects.filter(user=user, site=site).values_list("role", flat=True)
        )
    return cache[site.pk]


def allowed_actions(user: User, site: Site) -> set[SiteAction]:
    """Every action ``user`` may take on ``site``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    actions: set[SiteAction] = set()
    role = StaffRole.ADMIN if user.is_psp_admin else user.role
    actions |= _STAFF_ACTIONS.get(role, set())
    if role == StaffRole.BJA_STAFF and site.program_manager_id == user.pk:
        actions.add(SiteAction.EDIT_PROFILE)
    for member_role in membership_roles(user, site):
        actions |= _MEMBER_ACTIONS.get(member_role, set())
    if site.is_read_only:
        actions -= _WRITES
    return actions


def can(user: User, site: Site, action: SiteAction) -> bool:
    """True when ``user`` may take ``action`` on ``site``."""
    return action in allowed_actions(user, site)


def can_anywhere(user: User, action: SiteAction) -> bool:
    """True when ``user`` may take ``action`` on at least one site (one query at most): decides
    whether a site-independent button such as "Log activity" is worth showing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = StaffRole.ADMIN if user.is_psp_admin else user.role
    if action in _STAFF_ACTIONS.get(role, set()):
        return True
    roles = [r for r, actions in _MEMBER_ACTIONS.items() if action in actions]
    memberships = SiteMembership.objects.filter(user=user, role__in=roles)
    if action in _WRITES:
        memberships = memberships.exclude(site__phase__in=READ_ONLY_PHASES)
    return memberships.exists()


def landing_url(user: User) -> str:
    """Where a person lands after signing in or accepting an invitation: the portfolio for
    staff-wide roles, the one site they work on, or "My work" when they have several."""
    if user.sees_all_sites or user.is_psp_admin:
        return reverse("dashboards:portfolio")
    slugs = list(Site.objects.for_user(user).order_by("name").values_list("slug", flat=True)[:2])
    if len(slugs) == 1:
        return reverse("sites:detail", args=[slugs[0]])
    if slugs:
        return reverse("engagements:my_work")
    return reverse("dashboards:portfolio")


def get_site_for_user(user: User, slug: str) -> Site:
    """The site with ``slug`` if ``user`` may see it; 404 otherwise (even if it exists)."""
    return get_object_or_404(Site.objects.for_user(user).select_related("cohort"), slug=slug)


def require(user: User, site: Site, action: SiteAction) -> None:
    """Raise 403 unless ``user`` may take ``action`` on a site they can already see."""
    if not can(user, site, action):
        raise PermissionDenied(f"You cannot {action.value.replace('_', ' ')} for {site.name}.")
