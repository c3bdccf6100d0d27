"""Bringing a new site into the partnership: one call creates the site, its team, engagements,
partner agencies and milestone schedule (``site_onboard``). The wizard, the bulk CSV import,
``manage.py onboard_sites`` and the demo seed all go through it, so there is one way to make a site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from engagements import services as engagement_services
from engagements.models import CoreArea, Milestone, MilestoneKind
from sites import services
from sites.models import AgencyKind, Cohort, MembershipRole, Phase, Site, SiteKind
from sites.onboarding import hooks

if TYPE_CHECKING:
    from psp.accounts.models import User

# Months after the engagement start at which the standard milestones fall due.
ASSESSMENT_VISIT_MONTH = 2
ASSESSMENT_REPORT_MONTH = 3
STRATEGIC_PLAN_MONTH = 6


@dataclass(frozen=True)
class PlannedMilestone:
    """A milestone to schedule: kind, title and due date (and a completion date, for history)."""

    kind: str
    title: str
    due_on: dt.date
    completed_on: dt.date | None = None


def milestone_schedule(start: dt.date, end: dt.date) -> list[PlannedMilestone]:
    """The standard schedule for an engagement from ``start`` to ``end``.

    Assessment visit in month 2, assessment report in month 3, strategic plan in month 6, the
    annual PSP symposium once in each engagement year (due by that year's anniversary, the last
    one no later than the end), and the end of the engagement.
    """
    add = services.add_months
    plan = [
        PlannedMilestone(
            MilestoneKind.ASSESSMENT_VISIT, "Assessment visit", add(start, ASSESSMENT_VISIT_MONTH)
        ),
        PlannedMilestone(
            MilestoneKind.ASSESSMENT_REPORT,
            "Assessment report delivered",
            add(start, ASSESSMENT_REPORT_MONTH),
        ),
        PlannedMilestone(
            MilestoneKind.STRATEGIC_PLAN, "Strategic plan adopted", add(start, STRATEGIC_PLAN_MONTH)
        ),
    ]
    year = 1
    while True:
        due = min(add(start, 12 * year), end)
        plan.append(
            PlannedMilestone(
                MilestoneKind.SYMPOSIUM, f"Annual PSP symposium attendance (year {year})", due
            )
        )
        if due >= end:
            break
        year += 1
    plan.append(PlannedMilestone(MilestoneKind.ENGAGEMENT_END, "End of engagement", end))
    return plan


# Paths under /sites/ that are pages, not sites.
RESERVED_SLUGS = frozenset({"onboard"})


def unique_slug(name: str, state: str) -> str:
    """A free address for a new site: "springfield", else "springfield-ma", else numbered."""
    base = slugify(name)[:70] or "site"
    if base in RESERVED_SLUGS:
        base = f"{base}-{state.lower()}"
    candidates = [base, f"{base}-{state.lower()}"]
    candidates += [f"{base}-{state.lower()}-{n}" for n in range(2, 100)]
    taken = set(Site.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(c for c in candidates if c not in taken)


def _validate_people(
    program_manager: User | None, liaisons: Sequence[User], confirm_role_change: bool
) -> dict[str, list[str]]:
    from psp.accounts.models import StaffRole
    from sites.selectors import read_only_reason

    errors: dict[str, list[str]] = {}
    if program_manager is None:
        errors["program_manager"] = ["Choose the site's BJA program manager."]
    elif not program_manager.is_active or program_manager.role not in (
        StaffRole.BJA_STAFF,
        StaffRole.ADMIN,
    ):
        errors["program_manager"] = [
            f"{program_manager} cannot manage a site: program managers are active BJA staff."
        ]
    inactive = [str(u) for u in liaisons if not u.is_active]
    if inactive:
        errors["liaisons"] = [f"These accounts are deactivated: {', '.join(inactive)}."]
    readers = [r for r in (read_only_reason(u) for u in liaisons) if r]
    if readers and not confirm_role_change:
        errors.setdefault("liaisons", []).append(
            f"{'; '.join(readers)}. As liaisons they could edit the site and log work: "
            "confirm the role change to go ahead."
        )
    return errors


@transaction.atomic
def site_onboard(
    *,
    acting_user: User | None,
    name: str,
    state: str,
    kind: str = SiteKind.CITY,
    cohort: Cohort,
    engagement_start: dt.date,
    engagement_end: dt.date | None = None,
    program_manager: User | None,
    liaisons: Sequence[User] = (),
    core_areas: Sequence[CoreArea] = (),
    agencies: Sequence[tuple[str, str]] = (),
    population: int | None = None,
    population_year: int | None = None,
    population_source: str = "",
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    slug: str | None = None,
    summary: str = "",
    milestones: Sequence[PlannedMilestone] | None = None,
    time_zone: str = "",
    confirm_role_change: bool = False,
) -> Site:
    """Onboard a site: the site in phase ``onboarding``, its liaisons, an engagement for each
    prioritised core area, its partner agencies (``(name, kind)`` pairs) and its milestones.

    The engagement ends three years after it starts unless ``engagement_end`` says otherwise.
    ``milestones`` replaces the standard schedule (:func:`milestone_schedule`) when given.
    Everything is created in one transaction: on any ``ValidationError`` nothing is kept.
    A liaison who is an auditor or a read-only partner is refused unless
    ``confirm_role_change`` (recorded on the membership's history). The hooks other apps
    registered (:mod:`sites.onboarding.hooks`: the reporting schedule and the pre-registration)
    run last, inside the same transaction.
    """
    errors = _validate_people(program_manager, liaisons, confirm_role_change)
    name = (name or "").strip()
    if name and Site.objects.filter(name__iexact=name, state=state).exists():
        errors.setdefault("name", []).append(f"{name}, {state} is already in the portfolio.")
    if engagement_start is None:
        errors.setdefault("engagement_start", []).append("Give the engagement's start date.")
    elif engagement_end is not None and engagement_end <= engagement_start:
        errors.setdefault("engagement_end", []).append("The engagement must end after it starts.")
    agency_kinds = set(AgencyKind.values)
    seen: set[str] = set()
    for agency_name, agency_kind in agencies:
        if agency_kind not in agency_kinds:
            errors.setdefault("agencies", []).append(f"“{agency_kind}” is not an agency kind.")
        if agency_name.strip().casefold() in seen:
            errors.setdefault("agencies", []).append(f"“{agency_name}” is listed twice.")
        seen.add(agency_name.strip().casefold())
    if errors:
        raise ValidationError(errors)

    site = services.site_create(
        acting_user=acting_user,
        name=name,
        slug=slug or unique_slug(name, state),
        state=state,
        kind=kind,
        cohort=cohort,
        phase=Phase.ONBOARDING,
        engagement_start=engagement_start,
        engagement_end=engagement_end,
        program_manager=program_manager,
        population=population,
        population_year=population_year,
        population_source=population_source,
        latitude=latitude,
        longitude=longitude,
        summary=summary,
        time_zone=time_zone,
    )
    for liaison in liaisons:
        services.membership_add(
            site=site,
            user=liaison,
            role=MembershipRole.LIAISON,
            acting_user=acting_user,
            confirm_role_change=confirm_role_change,
        )
    lead = liaisons[0] if liaisons else None
    for area in core_areas:
        engagement_services.engagement_create(
            site=site,
            core_area=area,
            acting_user=acting_user,
            lead=lead,
            priority="high",
            started_on=engagement_start,
        )
    for agency_name, agency_kind in agencies:
        services.agency_add(site=site, acting_user=acting_user, name=agency_name, kind=agency_kind)
    assert site.engagement_start and site.engagement_end  # set by site_create
    plan = (
        milestones
        if milestones is not None
        else milestone_schedule(site.engagement_start, site.engagement_end)
    )
    for m in plan:
        engagement_services.milestone_create(
            site=site,
            kind=m.kind,
            title=m.title,
            due_on=m.due_on,
            completed_on=m.completed_on,
            acting_user=acting_user,
        )
    hooks.site_onboarded(site, acting_user)
    return site


@transaction.atomic
def site_milestones_reschedule(
    *,
    site: Site,
    acting_user: User,
    changes: dict[int, tuple[dt.date | None, dt.date | None]],
) -> int:
    """Set due and completion dates of ``site``'s milestones: ``{milestone id: (due, done)}``.

    Returns how many milestones changed. Unknown ids (or another site's) are refused whole.
    """
    milestones = {m.pk: m for m in Milestone.objects.select_for_update().filter(site=site)}
    unknown = set(changes) - set(milestones)
    if unknown:
        raise ValidationError("Some milestones do not belong to this site.")
    changed = 0
    for pk, (due_on, completed_on) in changes.items():
        m = milestones[pk]
        if (m.due_on, m.completed_on) == (due_on, completed_on):
            continue
        m.due_on, m.completed_on = due_on, completed_on
        m.full_clean()
        m._history_user = acting_user  # type: ignore[attr-defined]  # read by simple_history
        m.save()
        changed += 1
    return changed
