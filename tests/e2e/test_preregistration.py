"""Pre-registration in Chromium: an administrator opens the reporting set-up of a site just
onboarded, changes its pre-registration with a reason, and a partner reads the history. Every
page passes axe (issue 13, docs/metrics.md §8.5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sites.onboarding.services import site_onboard
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, CohortFactory, MembershipFactory, UserFactory
from tests.metrics.conftest import offense_codes  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("offense_codes")
def test_admin_changes_the_pre_registration_and_a_partner_reads_it(
    browser, live_server, page, admin, pm
):
    site = site_onboard(
        acting_user=admin,
        name="Springfield",
        state="MA",
        cohort=CohortFactory(year=2026),
        engagement_start=dt.date(2027, 3, 1),
        program_manager=pm,
    )
    partner = UserFactory(email="partner.s@example.gov", full_name="Sam Partner")
    MembershipFactory(user=partner, site=site, role="partner")

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(reverse("metrics:reporting_setup", args=[site.slug]))
    assert "due 30 days" in page.get_by_test_id("schedule-text").inner_text()
    assert_accessible(page, "reporting-setup-admin")
    page.get_by_role("link", name="Change the pre-registration, or read its history").click()
    page.wait_for_load_state("domcontentloaded")
    assert_accessible(page, "preregistration-admin")
    page.get_by_label("Primary outcome").select_option("fatal_shooting_incidents")
    page.locator("label", has_text="Synthetic control of similar places").click()
    page.get_by_role("button", name="Record version 2").click()
    page.wait_for_load_state("domcontentloaded")
    assert "say why it changes" in page.content()  # refused without a reason
    assert_accessible(page, "preregistration-refused")
    page.get_by_label("Primary outcome").select_option("fatal_shooting_incidents")
    page.locator("label", has_text="Synthetic control of similar places").click()
    page.get_by_label("Reason for the change").fill("The site is in the national pool.")
    page.get_by_role("button", name="Record version 2").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Pre-registration version 2 recorded." in page.content()

    partner_page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(partner_page, partner.email, TEST_PASSWORD)
    partner_page.goto(reverse("metrics:preregistration", args=[site.slug]))
    history = partner_page.get_by_role("table", name="Every version of the pre-registration")
    assert "The site is in the national pool." in history.inner_text()
    assert partner_page.get_by_role("button", name="Record version 3").count() == 0
    assert_accessible(partner_page, "preregistration-partner")
