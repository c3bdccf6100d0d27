"""Acceptance 6: an admin onboards Springfield, MA through the wizard using the search
suggestions (by keyboard), invites a liaison; the liaison opens the emailed link, sets a password,
signs in and sees Springfield — and only Springfield. Every page passes axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "springfield-liaison-2026"


def test_admin_onboards_springfield_and_the_invited_liaison_sees_only_it(
    page, admin, pm, site_a, site_b
):
    sign_in(page, admin.email, TEST_PASSWORD)
    page.get_by_role("link", name="Onboard").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Onboard a site").is_visible()
    assert_accessible(page, "onboard-wizard")

    # Search by typing and choose with the keyboard only.
    search = page.get_by_role("combobox", name="Find a city or county")
    search.press_sequentially("spring", delay=30)
    listbox = page.get_by_role("listbox", name="Matching jurisdictions")
    listbox.get_by_role("option").first.wait_for()
    assert_accessible(page, "onboard-wizard-suggestions")
    labels = listbox.get_by_role("option").all_inner_texts()
    index = next(i for i, text in enumerate(labels) if text.startswith("Springfield, MA"))
    for _ in range(index + 1):
        search.press("ArrowDown")
    active = page.locator("#" + search.get_attribute("aria-activedescendant"))
    assert active.inner_text().startswith("Springfield, MA")
    search.press("Enter")
    assert listbox.is_hidden()
    assert page.get_by_label("Jurisdiction name").input_value() == "Springfield"
    assert page.locator("#id_state").input_value() == "MA"
    assert page.locator("#id_kind").input_value() == "city"
    assert int(page.locator("#id_population").input_value()) > 100_000
    assert page.get_by_label("Latitude").input_value().startswith("42.1")
    page.get_by_label("Population year").fill("2020")  # the admin's override

    page.get_by_label("Cohort year").fill("2024")
    page.get_by_label("Engagement start").fill("2025-01-06")
    page.get_by_label("BJA program manager").select_option(value=str(pm.pk))
    page.locator("label", has_text="Gun violence").click()  # USWDS styles the label
    assert page.get_by_label("Gun violence").is_checked()
    page.get_by_label("Agency 1 name").fill("Springfield Police Department")
    page.get_by_label("Agency 1 kind").select_option("police")
    page.get_by_role("button", name="Onboard site").click()
    page.wait_for_load_state("networkidle")

    assert page.get_by_text("Springfield, MA is onboarded").is_visible()
    assert page.get_by_role("heading", name="Milestone schedule: Springfield").is_visible()
    assert page.get_by_role("row", name=re.compile("Assessment visit")).is_visible()
    assert_accessible(page, "onboard-milestones")

    page.get_by_role("link", name="Invite a liaison or partner").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Email address").fill("sam.springfield@example.gov")
    page.get_by_label("Full name").fill("Sam Springfield")
    assert page.get_by_label("Strategic site liaison / TTA (on chosen sites)").is_checked()
    assert_accessible(page, "invite")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Invitation sent to sam.springfield@example.gov").is_visible()
    assert_accessible(page, "user-list")

    # The invitation as the liaison receives it (locmem mail, same process as the live server).
    assert mail.outbox[-1].to == ["sam.springfield@example.gov"]
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_load_state("networkidle")

    page.goto(link)
    assert page.get_by_role("heading", name="Welcome to PSP Portfolio").is_visible()
    assert_accessible(page, "invitation-accept")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Your account is ready").is_visible()

    # Sign in afresh with the new password: Springfield, and only Springfield.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_load_state("networkidle")
    sign_in(page, "sam.springfield@example.gov", NEW_PASSWORD)
    assert page.url.endswith("/sites/springfield/")  # one site: they land on it (issue 17)
    page.goto("/sites/")
    table = page.locator("table.psp-portfolio-table")
    assert table.get_by_role("link", name="Springfield").is_visible()
    assert table.get_by_role("link").count() >= 1
    # The site's own link in each row (each row also links to the site's dashboard).
    site_links = table.locator("tbody th a[id^='site-']").all_inner_texts()
    assert site_links == ["Springfield"]
    assert page.get_by_text("1 site", exact=True).is_visible()

    # The used link now shows a clear page.
    page.goto(link)
    assert page.get_by_role("heading", name="This invitation has already been used").is_visible()
    assert_accessible(page, "invitation-used")


def test_bulk_onboarding_report_page_is_accessible(page, admin, tmp_path):
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/sites/onboard/bulk/")
    assert_accessible(page, "onboard-bulk")
    bad = tmp_path / "cohort.csv"
    bad.write_text(
        "name,state,kind,cohort,start_date,program_manager_email,liaison_email,core_areas\n"
        "Tampa,FL,city,2024,someday,nobody@example.gov,,Knitting\n"
    )
    page.locator("#id_file").set_input_files(str(bad))
    page.get_by_role("button", name="Check file").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="3 problems found; no sites were created").is_visible()
    assert_accessible(page, "onboard-bulk-errors")
