"""Each role signs in to the real app in Chromium, browses portfolio and site, and the pages pass
axe-core with no serious or critical violations."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portfolio(site_a, site_b):
    AgencyFactory(site=site_a, name="ATF Kansas City Field Division", kind="atf")
    AgencyFactory(site=site_a, name="Alphaville Police Department", kind="police")
    return site_a, site_b


@pytest.mark.parametrize(
    ("role", "sees_b", "can_edit"),
    [
        ("admin", True, True),
        ("pm", True, True),
        ("liaison_a", False, True),
        ("partner_a", False, False),
    ],
)
def test_role_browses_portfolio_and_site(page, cast, portfolio, role, sees_b, can_edit):
    sign_in(page, cast[role].email, TEST_PASSWORD)
    if not sees_b:  # one site: they land on it (issue 17), and the portfolio is a click away
        assert page.get_by_role("heading", name="Alphaville, Kansas").is_visible()
        page.goto("/sites/")
    assert page.get_by_role("heading", name="Site portfolio").is_visible()
    table = page.locator("table")
    assert table.get_by_role("link", name="Alphaville").is_visible()
    assert (table.get_by_role("link", name="Betatown").count() == 1) is sees_b
    assert_accessible(page, f"portfolio-{role}")

    table.get_by_role("link", name="Alphaville").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Alphaville, Kansas").is_visible()
    assert page.get_by_text("ATF Kansas City Field Division").is_visible()
    assert page.get_by_text("of 36").first.is_visible()
    assert (page.get_by_role("link", name="Edit profile").count() == 1) is can_edit
    assert_accessible(page, f"site-{role}")


def test_liaison_of_another_site_gets_not_found(page, cast, portfolio):
    sign_in(page, cast["liaison_b"].email, TEST_PASSWORD)
    response = page.goto("/sites/alphaville/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()


def test_sign_in_page_is_accessible_and_rejects_bad_password(page, cast, portfolio):
    page.goto("/accounts/login/")
    assert_accessible(page, "sign-in")
    sign_in(page, cast["pm"].email, "not-the-password")
    assert page.get_by_text("Please enter a correct email address and password").is_visible()


def test_liaison_edits_profile_with_a_field_error_first(page, cast, portfolio):
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)
    page.goto("/sites/alphaville/edit/")
    page.get_by_label("Population", exact=True).fill("-3")
    page.get_by_role("button", name="Save profile").click()
    assert page.locator("#id_population-error").is_visible()
    assert_accessible(page, "site-edit-error")
    page.get_by_label("Population", exact=True).fill("120000")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Saved the profile of Alphaville").is_visible()
    assert page.get_by_text("120,000").is_visible()


def test_reference_data_survives_earlier_transactional_tests(cast, portfolio):
    from engagements.models import CoreArea
    from metrics.models import Offense

    assert CoreArea.objects.count() == 8
    assert Offense.objects.filter(code="violent_crime").exists()
