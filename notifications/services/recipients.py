"""Who hears of what, and by which channel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from notifications.models import Channel, Kind, Preference, Watch
from psp.accounts.models import StaffRole, User
from sites.models import MembershipRole, SiteMembership
from sites.permissions import SiteAction, can

if TYPE_CHECKING:
    from sites.models import Site

# A kind nobody has chosen for: email for everything that names a person's own work. Watched
# changes stay in the app (one watches many things); the digest is an email by nature.
DEFAULT_CHANNELS: dict[str, str] = {k.value: Channel.EMAIL.value for k in Kind}
DEFAULT_CHANNELS[Kind.WATCHED_CHANGE] = Channel.IN_APP

# The channels a person may choose for each kind (the digest cannot go in the digest).
CHOICES: dict[str, list[str]] = {k.value: [c.value for c in Channel] for k in Kind}
CHOICES[Kind.WEEKLY_DIGEST] = [Channel.EMAIL, Channel.IN_APP, Channel.OFF]


def channels(user: User) -> dict[str, str]:
    """Every kind's channel for ``user`` (their choice, else the default); one query."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    return {k: chosen.get(k, DEFAULT_CHANNELS[k]) for k in DEFAULT_CHANNELS}


def liaisons(site: Site) -> list[User]:
    ids = SiteMembership.objects.filter(site=site, role=MembershipRole.LIAISON).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def program_managers(site: Site) -> list[User]:
    """The site's program manager, else every BJA staff member (someone must hear of it)."""
    pm = site.program_manager if site.program_manager_id else None
    if pm is not None and pm.is_active:
        return [pm]
    return list(User.objects.filter(role=StaffRole.BJA_STAFF, is_active=True))


def site_watchers(site: Site) -> list[User]:
    return [
        w.user for w in Watch.objects.filter(site=site, user__is_active=True).select_related("user")
    ]


def request_watchers(request_id: int) -> list[User]:
    watches = Watch.objects.filter(ta_request_id=request_id, user__is_active=True)
    return [w.user for w in watches.select_related("user")]


def may_see(user: User, site: Site | None) -> bool:
    """Nobody is told about a site they cannot see (docs/design.md §3)."""
    if not user.is_active:
        return False
    return site is None or can(user, site, SiteAction.VIEW)


def unique(users: Iterable[User], *, exclude: User | None = None) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if exclude is not None and user.pk == exclude.pk:
            continue
        seen.setdefault(user.pk, user)
    return list(seen.values())
