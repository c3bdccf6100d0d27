"""site_onboard: one call creates the site, team, engagements, agencies and milestone schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from engagements.models import CoreArea, Engagement, Milestone
from sites.models import Agency, PhaseChange, Site, SiteMembership
from sites.onboarding.services import milestone_schedule, site_milestones_reschedule, site_onboard
from tests.factories import CohortFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 6)


def onboard(admin, pm, **overrides):
    params = dict(
        acting_user=admin,
        name="Springfield",
        state="MA",
        kind="city",
        cohort=CohortFactory(year=2024),
        engagement_start=START,
        program_manager=pm,
    )
    params.update(overrides)
    return site_onboard(**params)


def test_onboarding_creates_site_in_onboarding_phase_with_three_year_engagement(admin, pm):
    site = onboard(admin, pm, population=155_929, population_year=2020)
    assert site.phase == "onboarding"
    assert site.engagement_end == dt.date(2028, 1, 6)
    assert site.slug == "springfield"
    assert site.program_manager == pm
    change = PhaseChange.objects.get(site=site)
    assert (change.to_phase, change.changed_by) == ("onboarding", admin)
    assert site.history.first().history_user == admin


def test_onboarding_schedules_the_standard_milestones_from_the_start(admin, pm):
    site = onboard(admin, pm)
    due = {m.title: m.due_on for m in Milestone.objects.filter(site=site)}
    assert due["Assessment visit"] == dt.date(2025, 3, 6)  # month 2
    assert due["Assessment report delivered"] == dt.date(2025, 4, 6)  # month 3
    assert due["Strategic plan adopted"] == dt.date(2025, 7, 6)  # month 6
    assert due["Annual PSP symposium attendance (year 1)"] == dt.date(2026, 1, 6)
    assert due["Annual PSP symposium attendance (year 3)"] == dt.date(2028, 1, 6)
    assert due["End of engagement"] == dt.date(2028, 1, 6)
    assert len(due) == 7


def test_symposium_milestones_follow_a_shorter_engagement():
    plan = milestone_schedule(dt.date(2025, 1, 31), dt.date(2026, 6, 30))
    symposia = [m.due_on for m in plan if m.kind == "symposium"]
    assert symposia == [dt.date(2026, 1, 31), dt.date(2026, 6, 30)]


def test_onboarding_opens_an_engagement_per_prioritised_core_area(admin, pm):
    liaison = UserFactory(email="new.liaison@example.gov")
    areas = list(CoreArea.objects.filter(code__in=["gun_violence", "crime_analysis"]))
    site = onboard(admin, pm, core_areas=areas, liaisons=[liaison])
    engagements = Engagement.objects.filter(site=site)
    assert {e.core_area.code for e in engagements} == {"gun_violence", "crime_analysis"}
    assert all(e.lead == liaison and e.started_on == START for e in engagements)
    assert SiteMembership.objects.filter(site=site, user=liaison, role="liaison").exists()


def test_onboarding_adds_local_and_federal_partner_agencies(admin, pm):
    site = onboard(
        admin,
        pm,
        agencies=[("Springfield Police Department", "police"), ("ATF Boston", "atf")],
    )
    federal = {a.name: a.is_federal for a in Agency.objects.filter(site=site)}
    assert federal == {"Springfield Police Department": False, "ATF Boston": True}


def test_a_site_with_the_same_name_and_state_is_refused(admin, pm):
    SiteFactory(name="Springfield", slug="springfield", state="MA")
    with pytest.raises(ValidationError) as err:
        onboard(admin, pm, name="springfield")
    assert "already in the portfolio" in err.value.message_dict["name"][0]


def test_the_same_name_in_another_state_gets_a_state_suffixed_address(admin, pm):
    SiteFactory(name="Springfield", slug="springfield", state="IL")
    assert onboard(admin, pm).slug == "springfield-ma"


def test_end_before_start_and_a_non_staff_manager_are_refused_together(admin, liaison_a):
    with pytest.raises(ValidationError) as err:
        onboard(admin, liaison_a, engagement_end=dt.date(2024, 1, 1))
    assert set(err.value.message_dict) == {"engagement_end", "program_manager"}
    assert not Site.objects.filter(name="Springfield").exists()


def test_a_failure_part_way_leaves_nothing_behind(admin, pm):
    with pytest.raises(ValidationError):
        onboard(admin, pm, agencies=[("Springfield PD", "police"), ("Other", "not-a-kind")])
    assert not Site.objects.filter(name="Springfield").exists()
    assert not Agency.objects.filter(name="Springfield PD").exists()


def test_milestone_dates_are_editable_and_the_change_is_recorded(admin, pm):
    site = onboard(admin, pm)
    visit = Milestone.objects.get(site=site, kind="assessment_visit")
    changed = site_milestones_reschedule(
        site=site,
        acting_user=admin,
        changes={visit.pk: (dt.date(2025, 3, 20), dt.date(2025, 3, 21))},
    )
    visit.refresh_from_db()
    assert changed == 1
    assert (visit.due_on, visit.completed_on) == (dt.date(2025, 3, 20), dt.date(2025, 3, 21))
    assert visit.history.first().history_user == admin


def test_another_sites_milestone_cannot_be_edited_through_this_site(admin, pm, site_b):
    site = onboard(admin, pm)
    other = Milestone.objects.create(site=site_b, kind="capability", title="RTCC opened")
    with pytest.raises(ValidationError):
        site_milestones_reschedule(
            site=site, acting_user=admin, changes={other.pk: (dt.date(2025, 1, 1), None)}
        )
