"""A liaison logs an activity in the browser, sees it on the timeline, completes an action item
inline, exports the filtered list and finds the activity in the file; axe-core checks each page."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, sign_in
from tests.engagements.factories import (
    ActionItemFactory,
    EngagementFactory,
    RecommendationFactory,
    area,
)
from tests.factories import TEST_PASSWORD, AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tick(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Click a USWDS checkbox or radio by its label, as a person does (the input is hidden)."""
    page.locator("label", has_text=label).click()


@pytest.fixture
def plan(site_a, liaison_a):
    engagement = EngagementFactory(site=site_a, core_area=area("gun_violence"), lead=liaison_a)
    rec = RecommendationFactory(engagement=engagement, number=1)
    AgencyFactory(site=site_a, name="ATF Kansas City Field Division", kind="atf")
    AgencyFactory(site=site_a, name="Alphaville Police Department", kind="police")
    return ActionItemFactory(
        engagement=engagement, recommendation=rec, title="Start biweekly shooting reviews"
    )


def test_liaison_logs_sees_updates_and_exports(page, cast, plan):
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)

    # Log activity: one short form, today's date filled in.
    page.goto("/sites/alphaville/activities/log/")
    assert_accessible(page, "activity-log")
    page.get_by_label("Kind of activity").select_option("case_review")
    page.get_by_label("Duration (hours)").fill("2")
    tick(page, "Hybrid")
    tick(page, "Gun violence")
    tick(page, "Federal partnerships")
    tick(page, "ATF Kansas City Field Division")
    page.get_by_label("Participants").fill("14")
    page.get_by_label("Summary").fill("Biweekly shooting review with ATF: 9 shootings reviewed.")
    page.get_by_role("button", name="Save activity").click()

    # It is on the timeline at once.
    page.wait_for_url("**/sites/alphaville/timeline/")
    assert page.get_by_text("Logged: Case review meeting").is_visible()
    entry = page.locator("article", has_text="9 shootings reviewed")
    assert entry.get_by_text("Federal partnerships, Gun violence").is_visible()
    assert entry.get_by_text("ATF Kansas City Field Division").is_visible()
    assert_accessible(page, "timeline")

    # Mark the action item complete inline, without leaving the page.
    page.goto("/sites/alphaville/plan/")
    url_before = page.url
    page.get_by_label("Status of “Start biweekly shooting reviews”").select_option("complete")
    # Wait until htmx has processed the form (not merely loaded), then for the server's answer
    # to the inline POST: it must be an htmx request answered with a fragment, not a reload.
    page.wait_for_function(
        "() => { const f = document.querySelector('form[hx-post]');"
        " return window.htmx !== undefined && f && f['htmx-internal-data'] !== undefined; }"
    )
    inline_post = lambda r: "/status/" in r.url and r.request.method == "POST"  # noqa: E731
    button = page.get_by_role("button", name="Update status of “Start biweekly shooting reviews”")
    with page.expect_response(inline_post) as r:
        button.click()
    response = r.value
    assert response.status == 200, f"inline update answered {response.status}"
    assert response.request.headers.get("hx-request") == "true"  # a swap, not a reload
    expect(page.get_by_text("Saved: Complete")).to_be_visible()
    assert page.url == url_before
    assert_accessible(page, "plan")
    page.reload()
    assert (
        page.get_by_label("Status of “Start biweekly shooting reviews”").input_value() == "complete"
    )

    # Filter the activity list and export exactly those rows.
    page.goto("/activities/")
    page.get_by_label("Kind", exact=True).select_option("case_review")
    page.get_by_role("button", name="Apply filters").click()
    assert page.get_by_text("1 activity", exact=True).is_visible()
    assert_accessible(page, "activity-list")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["TA type"] == "Case review meeting"
    assert rows[0]["Core areas"] == "Federal partnerships; Gun violence"
    assert rows[0]["Agencies"] == "ATF Kansas City Field Division"
    assert "9 shootings reviewed" in rows[0]["Summary"]

    page.goto("/my-work/")
    assert page.get_by_text("9 shootings reviewed").is_visible()
    assert_accessible(page, "my-work")
