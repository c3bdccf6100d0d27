"""Reads for sites, always scoped to the asking user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from sites.models import MembershipRole, Site, SiteMembership, SitePopulation

if TYPE_CHECKING:
    from psp.accounts.models import User


def site_team(site: Site) -> dict[str, list[SiteMembership]]:
    """Memberships of a site grouped by role, for the team panel."""
    grouped: dict[str, list[SiteMembership]] = {r.value: [] for r in MembershipRole}
    for m in site.memberships.select_related("user").order_by("user__full_name"):
        grouped[m.role].append(m)
    return grouped


def site_population_rows(site: Site) -> list[tuple[int, int, str]]:
    """``(year, population, source)`` of every year the site has a population for, by year.

    A site whose table is empty but whose profile has a population (a site made before the
    table existed, or directly in a test) has that one figure, in its own year, else the
    engagement's start year, else this year (docs/metrics.md §7.6).
    """
    rows = list(
        SitePopulation.objects.filter(site_id=site.pk)
        .order_by("year")
        .values_list("year", "population", "source")
    )
    if not rows and site.population:
        start = site.engagement_start
        year = site.population_year or (start.year if start else timezone.localdate().year)
        rows = [(year, site.population, site.population_source)]
    return rows


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a site's profile for the change-history panel."""

    when: Any
    who: Any
    created: bool
    changes: list[tuple[str, Any, Any]]  # (field, before, after)


def _shown(field: str, value: Any) -> Any:
    """A changed value as the panel prints it: quantities with thousands separators, while
    references (``…_id``) and everything else are left for the template to print."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value if field.endswith("_id") else f"{value:,}"
    return value


def site_change_history(site: Site, limit: int = 20) -> list[HistoryEntry]:
    """The site's recent profile changes, newest first, each with its before/after values.

    One query: consecutive history rows are compared in memory (simple-history's
    ``diff_against_prev`` would cost a query per row), and saves that changed nothing are left
    out so the panel shows only real changes.
    """
    records = list(
        site.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit * 3 + 1
        ]
    )
    entries: list[HistoryEntry] = []
    # A site created by bulk SQL (an import, a data migration, the benchmark) has no history.
    for newer, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        if newer.history_type == "+" or older is None:
            entries.append(HistoryEntry(newer.history_date, newer.history_user, True, []))
        else:
            delta = newer.diff_against(older)
            changes = [
                (c.field, _shown(c.field, c.old), _shown(c.field, c.new)) for c in delta.changes
            ]
            if changes:
                entries.append(HistoryEntry(newer.history_date, newer.history_user, False, changes))
        if len(entries) == limit:
            break
    return entries


def people_with_roles(people: QuerySet[User]) -> QuerySet[User]:
    """``people`` with their memberships (and sites) fetched, for :func:`person_label`."""
    return people.prefetch_related(
        Prefetch(
            "memberships",
            queryset=SiteMembership.objects.select_related("site").order_by("site__name"),
        )
    )


def person_roles(user: User) -> str:
    """Every role a person holds, in words: "BJA staff", "liaison: Pueblo; partner: Tampa".

    Reads ``user.memberships.all()``, so a picker prefetches them (:func:`people_with_roles`).
    """
    parts = [user.get_role_display()] if user.role else []
    by_role: dict[str, list[str]] = {}
    for m in user.memberships.all():
        by_role.setdefault(m.role, []).append(m.site.name)
    parts += [f"{role}: {', '.join(names)}" for role, names in sorted(by_role.items())]
    return "; ".join(parts) or "no role yet"


def person_label(user: User) -> str:
    """How a picker names a person: the name followed by the roles they hold (issue 16: a
    partner must never look like anyone else in a list of liaisons)."""
    return f"{user} ({person_roles(user)})"


def read_only_reason(user: User) -> str | None:
    """Why giving ``user`` a writing role on a site raises their access, or None when it does
    not: auditors and people whose only site roles are partner ones read without writing
    (docs/design.md §3), so making them a liaison needs an explicit confirmation."""
    from psp.accounts.models import StaffRole

    if user.is_psp_admin or user.role == StaffRole.BJA_STAFF:
        return None
    if user.role == StaffRole.AUDITOR:
        return f"{user} is an auditor (read-only)"
    roles = {m.role for m in user.memberships.all()}
    if MembershipRole.PARTNER in roles and MembershipRole.LIAISON not in roles:
        sites = sorted(m.site.name for m in user.memberships.all())
        return f"{user} is a read-only site partner ({', '.join(sites)})"
    return None
