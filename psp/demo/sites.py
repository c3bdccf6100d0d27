"""Demo people and sites: the ten named PSP sites onboarded through ``site_onboard`` with their
teams, agencies and contacts. The first step of ``psp.demo.seed.seed_demo``. Idempotent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from engagements.models import MilestoneKind
from psp.accounts.models import User
from psp.demo import data
from sites import services
from sites.models import Agency, Cohort, Contact, MembershipRole, Site, SiteMembership
from sites.onboarding import services as onboarding

# Only ever set in demo mode; documented in the README.
DEMO_PASSWORD = "psp-demo-2026"
# The demo admins' and BJA staff's authenticator key (hex), so
# `make run` stays usable with the second factor on: `manage.py demo_mfa_code` prints the code.
DEMO_TOTP_KEY = b"psp-demo-totp-key-2026".hex()


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    users: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


def _ensure_user(email: str, full_name: str, title: str, role: str, report: SeedReport) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            full_name=full_name,
            title=title,
            role=role,
            is_staff=(role == "admin"),
            is_superuser=(role == "admin"),
        )
        report.created.append(f"user {email}")
    return user


def _ensure_demo_second_factor(user: User, report: SeedReport) -> None:
    """Demo admins and BJA staff must use a second factor: give them the demo app key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from psp.accounts import mfa

    if mfa.is_required_for(user) and not mfa.has_factor(user):
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True
        )
        report.created.append(f"second factor {user.email}")


def _agencies(slug: str) -> list[tuple[str, str]]:
    """A demo site's local agencies and its federal partners, as (name, kind) pairs."""
    usao, atf, fbi, dea = data.FEDERAL[slug]
    return [
        *data.LOCAL_AGENCIES[slug],
        (f"U.S. Attorney's Office, {usao}", "usao"),
        (f"ATF {atf} Field Division", "atf"),
        (f"FBI {fbi} Field Office", "fbi"),
        (f"DEA {dea} Field Division", "dea"),
        (f"U.S. Marshals Service, {usao}", "usms"),
    ]


# The phase from which each scheduled milestone counts as done in the demo history.
_DONE_FROM_PHASE: dict[str, str] = {  # keyed by MilestoneKind (a str enum): m.kind looks up
    MilestoneKind.ASSESSMENT_VISIT: "assessment",
    MilestoneKind.ASSESSMENT_REPORT: "planning",
    MilestoneKind.STRATEGIC_PLAN: "implementation",
    MilestoneKind.SYMPOSIUM: "onboarding",
    MilestoneKind.ENGAGEMENT_END: "sustainment",  # sustainment follows the 36 months
}


def _demo_milestones(start: dt.date, phase: str) -> list[onboarding.PlannedMilestone]:
    """The standard schedule, with the steps a site's phase implies it has passed completed
    on their due dates (so demo alumni do not show as overdue)."""
    today = timezone.localdate()
    reached = data.PHASE_PATH.index(phase)
    plan = onboarding.milestone_schedule(start, services.add_months(start, 36))
    return [
        replace(m, completed_on=m.due_on)
        if m.due_on <= today and reached >= data.PHASE_PATH.index(_DONE_FROM_PHASE[m.kind])
        else m
        for m in plan
    ]


@transaction.atomic
def seed() -> SeedReport:
    """Create the demo users, cohorts, ten sites, agencies and memberships if missing."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo data is only created with PSP_DEMO=1.")
    report = SeedReport()
    users = {
        key: _ensure_user(email, name, title, role, report)
        for key, email, name, title, role in data.USERS
    }
    report.users = [(email, role or "site member") for _, email, _, _, role in data.USERS]
    for user in users.values():
        _ensure_demo_second_factor(user, report)
    admin = users["admin"]
    cohorts: dict[int, Cohort] = {}
    for year, name, announced in data.COHORTS:
        existed = Cohort.objects.filter(year=year).exists()
        cohorts[year] = services.cohort_ensure(year=year, name=name, announced_on=announced)
        if not existed:
            report.created.append(f"cohort {name}")

    for slug, name, kind, state, pop, lat, lon, cohort_year, start, phase, pm in data.SITES:
        if Site.objects.filter(slug=slug).exists():
            continue
        # The same service the onboarding page, the CSV import and onboard_sites use.
        site = onboarding.site_onboard(
            acting_user=admin,
            name=name,
            slug=slug,
            kind=kind,
            state=state,
            cohort=cohorts[cohort_year],
            engagement_start=start,
            program_manager=users[pm],
            liaisons=[
                users[key]
                for key, member_slug, role in data.MEMBERSHIPS
                if member_slug == slug and role == MembershipRole.LIAISON
            ],
            agencies=_agencies(slug),
            population=pop,
            population_year=2020,
            population_source=data.CENSUS_2020,
            latitude=lat,
            longitude=lon,
            summary=f"Demo record for {name}, {state}. Dates, phases and people are illustrative.",
            milestones=_demo_milestones(start, phase),
        )
        for step in data.PHASE_PATH[1 : data.PHASE_PATH.index(phase) + 1]:
            services.site_change_phase(
                site=site,
                to_phase=step,
                acting_user=admin,
                reason="Demo history: milestone reached.",
            )
            site.refresh_from_db()
        report.created.append(f"site {slug}")

    sites = {s.slug: s for s in Site.objects.all()}
    for slug, (agency_name, person, title) in data.CONTACTS.items():
        agency = Agency.objects.get(site=sites[slug], name=agency_name)
        if not Contact.objects.filter(agency=agency, name=person).exists():
            services.contact_add(
                agency=agency,
                acting_user=admin,
                name=person,
                title=title,
                email=f"{slug}.contact@psp.example",
            )
            report.created.append(f"contact {person}")
    for user_key, slug, role in data.MEMBERSHIPS:
        user = users[user_key]
        if not SiteMembership.objects.filter(user=user, site=sites[slug], role=role).exists():
            services.membership_add(site=sites[slug], user=user, role=role, acting_user=admin)
            report.created.append(f"membership {user.email} {slug}")
    return report
