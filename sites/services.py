"""Writes for sites, cohorts, agencies, contacts and memberships.

Every function validates with ``full_clean`` inside a transaction and records who acted, so the
same call serves a view, a management command, the demo seed and a test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sites.models import (
    PHASE_ORDER,
    Agency,
    Cohort,
    Contact,
    MembershipRole,
    Phase,
    PhaseChange,
    Site,
    SiteMembership,
    SitePopulation,
)
from sites.timezones import default_time_zone

if TYPE_CHECKING:
    from psp.accounts.models import User

SITE_PROFILE_FIELDS = (
    "summary",
    "population",
    "population_year",
    "population_source",
    "time_zone",
    "latitude",
    "longitude",
    "engagement_start",
    "engagement_end",
)


def _save(instance: Any, acting_user: User | None) -> None:
    """Validate and save, attributing the change-history row to ``acting_user``."""
    instance.full_clean()
    if acting_user is not None:
        instance._history_user = acting_user
    instance.save()


def _coordinate(value: float | Decimal | str | None) -> Decimal | None:
    """A latitude/longitude as a 5-decimal ``Decimal`` (about 1 m), whatever type it came as."""
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(Decimal("0.00001"))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of shorter months."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def cohort_ensure(*, year: int, name: str, announced_on: dt.date | None = None) -> Cohort:
    """The cohort for ``year``, created if new (idempotent)."""
    cohort = Cohort.objects.filter(year=year).first()
    if cohort is None:
        cohort = Cohort(year=year, name=name, announced_on=announced_on)
        _save(cohort, None)
    return cohort


@transaction.atomic
def site_create(
    *,
    acting_user: User | None,
    name: str,
    state: str,
    cohort: Cohort,
    kind: str = "city",
    slug: str | None = None,
    phase: str = Phase.ONBOARDING,
    engagement_start: dt.date | None = None,
    engagement_end: dt.date | None = None,
    program_manager: User | None = None,
    population: int | None = None,
    population_year: int | None = None,
    population_source: str = "",
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    summary: str = "",
    time_zone: str = "",
) -> Site:
    """Create a site and record its first phase. The end defaults to start + 36 months, the
    time zone to its state's; a population becomes the population row of its year (this year
    when none is given)."""
    slug = slug or slugify(name)
    if Site.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A site with the address “{slug}” already exists."})
    if engagement_start and engagement_end is None:
        engagement_end = add_months(engagement_start, 36)
    site = Site(
        name=name.strip(),
        slug=slug,
        kind=kind,
        state=state,
        cohort=cohort,
        phase=phase,
        engagement_start=engagement_start,
        engagement_end=engagement_end,
        program_manager=program_manager,
        population=population,
        population_year=population_year,
        population_source=population_source,
        latitude=_coordinate(latitude),
        longitude=_coordinate(longitude),
        summary=summary,
        time_zone=time_zone or default_time_zone(state),
    )
    _save(site, acting_user)
    _population_row_from_profile(site, acting_user)
    PhaseChange.objects.create(
        site=site, from_phase="", to_phase=phase, changed_by=acting_user, reason="Site created."
    )
    return site


@transaction.atomic
def site_update(*, site: Site, acting_user: User, changes: dict[str, Any]) -> Site:
    """Change a site's profile fields; only ``SITE_PROFILE_FIELDS`` (and program manager) move."""
    allowed = set(SITE_PROFILE_FIELDS) | {"program_manager", "name", "kind", "cohort"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(site, field, value)
    _save(site, acting_user)
    if {"population", "population_year", "population_source"} & set(changes):
        _population_row_from_profile(site, acting_user)
    return site


def _population_row_from_profile(site: Site, acting_user: User | None) -> None:
    """The profile's population (the latest figure) kept as the row of its year, this year's
    when the profile gives no year (docs/metrics.md §7.6)."""
    if site.population is None:
        return
    year = site.population_year or timezone.localdate().year
    site_population_set(
        site=site,
        acting_user=acting_user,
        year=year,
        population=site.population,
        source=site.population_source,
    )


@transaction.atomic
def site_population_set(
    *, site: Site, acting_user: User | None, year: int, population: int, source: str = ""
) -> SitePopulation:
    """Set ``site``'s population for ``year`` (added, or the year's row changed)."""
    row = SitePopulation.objects.filter(site=site, year=year).first() or SitePopulation(
        site=site, year=year
    )
    row.population, row.source = population, source
    _save(row, acting_user)
    return row


@transaction.atomic
def site_populations_replace(
    *, site: Site, acting_user: User, rows: list[tuple[int, int, str]]
) -> list[SitePopulation]:
    """Make ``site``'s population table exactly ``rows`` of ``(year, population, source)``:
    years not listed are deleted. Everything is checked before anything is written."""
    years = [year for year, _, _ in rows]
    repeated = sorted({y for y in years if years.count(y) > 1})
    if repeated:
        raise ValidationError(
            f"Each year once: {', '.join(str(y) for y in repeated)} is listed more than once."
        )
    for year, population, source in rows:
        SitePopulation(site=site, year=year, population=population, source=source).full_clean(
            exclude=["site"], validate_unique=False
        )
    for gone in SitePopulation.objects.filter(site=site).exclude(year__in=years):
        if acting_user is not None:
            gone._history_user = acting_user  # type: ignore[attr-defined]  # simple_history
        gone.delete()
    return [
        site_population_set(
            site=site, acting_user=acting_user, year=year, population=population, source=source
        )
        for year, population, source in sorted(rows)
    ]


@transaction.atomic
def site_change_phase(*, site: Site, to_phase: str, acting_user: User, reason: str) -> PhaseChange:
    """Move a site to ``to_phase`` and record who, when and why. A reason is always required."""
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if to_phase not in Phase.values:
        errors["to_phase"] = f"“{to_phase}” is not a phase."
    elif to_phase == site.phase:
        errors["to_phase"] = f"The site is already in {site.get_phase_display()}."
    if not reason:
        moving_back = (
            to_phase in PHASE_ORDER
            and site.phase in PHASE_ORDER
            and PHASE_ORDER.index(Phase(to_phase)) < PHASE_ORDER.index(Phase(site.phase))
        )
        errors["reason"] = (
            "Moving a site back to an earlier phase needs a reason."
            if moving_back
            else "Give a reason for the phase change; it is kept in the phase history."
        )
    if errors:
        raise ValidationError(errors)
    site = Site.objects.select_for_update().get(pk=site.pk)
    change = PhaseChange(
        site=site,
        from_phase=site.phase,
        to_phase=to_phase,
        changed_by=acting_user,
        changed_at=timezone.now(),
        reason=reason,
    )
    change.full_clean()
    change.save()
    site.phase = to_phase
    _save(site, acting_user)
    return change


@transaction.atomic
def agency_add(*, site: Site, acting_user: User | None, name: str, kind: str) -> Agency:
    """Add a partner agency to a site (names are unique within a site)."""
    name = name.strip()
    if Agency.objects.filter(site=site, name__iexact=name).exists():
        raise ValidationError({"name": f"{site.name} already has an agency named “{name}”."})
    agency = Agency(site=site, name=name, kind=kind)
    _save(agency, acting_user)
    return agency


@transaction.atomic
def contact_add(
    *,
    agency: Agency,
    acting_user: User | None,
    name: str,
    title: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a person at a partner agency."""
    contact = Contact(agency=agency, name=name.strip(), title=title, email=email, phone=phone)
    _save(contact, acting_user)
    return contact


def _check_escalation(user: User, role: str, confirm_role_change: bool) -> str:
    """Refuse to make a read-only person a writer unless confirmed; return the reason to record.

    Issue 16: a partner picked as a liaison could edit the site without anyone noticing.
    """
    from sites.selectors import read_only_reason

    if role != MembershipRole.LIAISON:
        return ""
    reason = read_only_reason(user)
    if reason is None:
        return ""
    if not confirm_role_change:
        raise ValidationError(
            {
                "user": f"{reason}; as a liaison they could edit the site and log work. "
                "Confirm the role change to go ahead."
            },
            code="role_escalation",
        )
    return f"Writing role confirmed: {reason}."


@transaction.atomic
def membership_add(
    *,
    site: Site,
    user: User | None,
    role: str,
    acting_user: User | None,
    confirm_role_change: bool = False,
) -> SiteMembership:
    """Give ``user`` a role on ``site`` (idempotent for an existing identical membership).

    Making an auditor or a partner-only person a liaison is refused unless
    ``confirm_role_change``; a confirmed escalation is kept as the history row's reason.
    """
    if user is None:
        raise ValidationError({"user": "Choose an existing user for this membership."})
    if role not in MembershipRole.values:
        raise ValidationError({"role": f"“{role}” is not a site role."})
    existing = SiteMembership.objects.filter(site=site, user=user, role=role).first()
    if existing:
        return existing
    reason = _check_escalation(user, role, confirm_role_change)
    membership = SiteMembership(site=site, user=user, role=role)
    if reason:
        membership._change_reason = reason  # type: ignore[attr-defined]  # read by simple_history
    _save(membership, acting_user)
    return membership


@transaction.atomic
def membership_set(
    *,
    site: Site,
    user: User,
    role: str,
    acting_user: User,
    confirm_role_change: bool = False,
) -> SiteMembership:
    """Make ``role`` the one role ``user`` holds on ``site`` (adding it or changing the old one).

    Permissions are read from memberships on every request, so the change applies at the
    person's next request without signing them out.
    """
    membership = membership_add(
        site=site,
        user=user,
        role=role,
        acting_user=acting_user,
        confirm_role_change=confirm_role_change,
    )
    for other in SiteMembership.objects.filter(site=site, user=user).exclude(pk=membership.pk):
        other._history_user = acting_user  # type: ignore[attr-defined]
        other.delete()
    return membership


@transaction.atomic
def membership_remove(*, site: Site, user: User, acting_user: User) -> int:
    """Take every role ``user`` holds on ``site`` away; the history table keeps the rows.

    Returns how many memberships were removed (0 when there were none).
    """
    removed = 0
    for membership in SiteMembership.objects.filter(site=site, user=user):
        membership._history_user = acting_user  # type: ignore[attr-defined]
        membership.delete()
        removed += 1
    return removed
