"""Site services: validation, phase history, change history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sites import services
from sites.models import PhaseChange, Site, SiteMembership
from tests.factories import CohortFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_site_create_defaults_end_to_three_years_and_records_first_phase(admin):
    site = services.site_create(
        acting_user=admin,
        name="Springfield",
        state="MA",
        cohort=CohortFactory(),
        engagement_start=dt.date(2025, 1, 6),
    )
    assert site.slug == "springfield"
    assert site.engagement_end == dt.date(2028, 1, 6)
    assert site.phase == "onboarding"
    first = PhaseChange.objects.get(site=site)
    assert (first.from_phase, first.to_phase, first.changed_by) == ("", "onboarding", admin)


def test_duplicate_slug_is_a_clear_error_not_a_traceback(admin, site_a):
    with pytest.raises(ValidationError) as err:
        services.site_create(
            acting_user=admin, name="Other", slug=site_a.slug, state="KS", cohort=site_a.cohort
        )
    assert "already exists" in str(err.value.message_dict["slug"])


def test_same_name_and_state_is_refused(admin, site_a):
    with pytest.raises(ValidationError) as err:
        services.site_create(
            acting_user=admin,
            name=site_a.name,
            slug="another-slug",
            state=site_a.state,
            cohort=site_a.cohort,
        )
    assert "__all__" in err.value.message_dict


def test_end_before_start_is_refused_and_nothing_saved(admin):
    with pytest.raises(ValidationError) as err:
        services.site_create(
            acting_user=admin,
            name="Backwards",
            state="KS",
            cohort=CohortFactory(),
            engagement_start=dt.date(2025, 1, 1),
            engagement_end=dt.date(2024, 1, 1),
        )
    assert "engagement_end" in err.value.message_dict
    assert not Site.objects.filter(name="Backwards").exists()


def test_phase_change_is_recorded_with_who_when_why(admin, site_a):
    change = services.site_change_phase(
        site=site_a, to_phase="sustainment", acting_user=admin, reason="Plan delivered."
    )
    site_a.refresh_from_db()
    assert site_a.phase == "sustainment"
    assert (change.from_phase, change.to_phase, change.changed_by, change.reason) == (
        "implementation",
        "sustainment",
        admin,
        "Plan delivered.",
    )


def test_backward_phase_change_without_reason_names_the_reason_field(admin, site_a):
    with pytest.raises(ValidationError) as err:
        services.site_change_phase(
            site=site_a, to_phase="assessment", acting_user=admin, reason=" "
        )
    assert "earlier phase needs a reason" in err.value.message_dict["reason"][0]
    site_a.refresh_from_db()
    assert site_a.phase == "implementation"
    assert not PhaseChange.objects.filter(site=site_a).exists()


def test_phase_change_to_same_phase_is_refused(admin, site_a):
    with pytest.raises(ValidationError) as err:
        services.site_change_phase(
            site=site_a, to_phase=site_a.phase, acting_user=admin, reason="x"
        )
    assert "already in" in err.value.message_dict["to_phase"][0]


def test_membership_for_missing_user_is_a_field_error(admin, site_a):
    with pytest.raises(ValidationError) as err:
        services.membership_add(site=site_a, user=None, role="liaison", acting_user=admin)
    assert "user" in err.value.message_dict


def test_membership_is_unique_per_user_site_role_in_the_database(liaison_a, site_a):
    with pytest.raises(IntegrityError):
        SiteMembership.objects.create(user=liaison_a, site=site_a, role="liaison")


def test_site_update_keeps_before_and_after_in_history(liaison_a, site_a):
    services.site_update(site=site_a, acting_user=liaison_a, changes={"population": 123_456})
    latest = site_a.history.first()
    assert latest.history_user == liaison_a
    delta = latest.diff_against(latest.prev_record)
    change = next(c for c in delta.changes if c.field == "population")
    assert (change.old, change.new) == (100_000, 123_456)


def test_site_update_refuses_fields_outside_the_profile(liaison_a, site_a):
    with pytest.raises(ValidationError):
        services.site_update(site=site_a, acting_user=liaison_a, changes={"phase": "alumni"})


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2025, 1, 5), "Starts Jan 6, 2025"),
        (dt.date(2025, 1, 6), "Month 1 of 36"),
        (dt.date(2025, 2, 5), "Month 1 of 36"),
        (dt.date(2026, 3, 6), "Month 15 of 36"),
        (dt.date(2028, 1, 5), "Month 36 of 36"),
        (dt.date(2028, 1, 6), "Completed (36 months)"),
    ],
)
def test_engagement_clock(today, expected):
    site = SiteFactory.build(
        engagement_start=dt.date(2025, 1, 6), engagement_end=dt.date(2028, 1, 6)
    )
    assert site.engagement_clock(today) == expected
