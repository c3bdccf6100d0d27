"""Issue 16 in a real browser: an administrator hands a liaison's sites to someone else; a
liaison deletes an activity and undoes it; anyone follows recommendation → action item → TA
request → activity and back; a strategic plan is uploaded and downloaded; the header's search
box finds it. axe-core checks every page on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from engagements import services
from sites.models import SiteMembership
from tests.e2e.conftest import assert_accessible, sign_in
from tests.engagements.factories import (
    ActionItemFactory,
    ActivityFactory,
    EngagementFactory,
    RecommendationFactory,
    area,
)
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def chain(site_a, liaison_a, pm):
    engagement = EngagementFactory(site=site_a, core_area=area("gun_violence"), lead=liaison_a)
    rec = RecommendationFactory(
        engagement=engagement, number=1, text="Hold biweekly shooting reviews with federal partners"
    )
    item = ActionItemFactory(
        engagement=engagement, recommendation=rec, title="Start biweekly shooting reviews"
    )
    activity = ActivityFactory(
        site=site_a, engagement=engagement, logged_by=liaison_a, summary="First shooting review."
    )
    ta = services.ta_request_submit(
        site=site_a,
        acting_user=liaison_a,
        core_area=area("gun_violence"),
        need="Coach the review team.",
        action_item=item,
    )
    for step in ("under_review", "approved"):
        services.ta_request_transition(request=ta, acting_user=pm, to_status=step)
    services.ta_request_transition(
        request=ta, acting_user=liaison_a, to_status="scheduled", scheduled_for=activity.date
    )
    services.ta_request_transition(
        request=ta, acting_user=liaison_a, to_status="delivered", activity=activity
    )
    return {"rec": rec, "item": item, "ta": ta, "activity": activity}


def test_admin_reassigns_a_departing_liaisons_sites(page, cast, chain):
    successor = UserFactory(email="sam@example.gov", full_name="Sam Successor")
    sign_in(page, cast["admin"].email, TEST_PASSWORD)
    page.goto(f"/accounts/users/{cast['liaison_a'].pk}/")
    page.get_by_role("link", name="Manage sites and roles").click()
    expect(page.get_by_role("heading", name="Sites and roles: Lee Liaison")).to_be_visible()
    assert_accessible(page, "person-sites")
    page.get_by_label("Hand every site over to").select_option(label="Sam Successor (no role yet)")
    page.get_by_role("button", name="Preview the handover").click()
    preview = page.locator("#handover-preview")
    expect(preview).to_contain_text("1 site as liaison: Alphaville")
    expect(preview).to_contain_text("1 engagement they lead")
    assert_accessible(page, "handover-preview")
    page.get_by_role("button", name="Move everything to Sam Successor").click()
    expect(page.get_by_text("Moved 1 sites from Lee Liaison to Sam Successor.")).to_be_visible()
    assert SiteMembership.objects.filter(user=successor, role="liaison").count() == 1
    assert not SiteMembership.objects.filter(user=cast["liaison_a"]).exists()


def test_liaison_deletes_an_activity_and_undoes_it(page, cast, chain):
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)
    page.goto("/sites/alphaville/timeline/")
    entry = page.locator("article", has_text="First shooting review.")
    entry.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted: Site visit")).to_be_visible()
    expect(page.locator("article", has_text="First shooting review.")).to_have_count(0)
    assert_accessible(page, "timeline-after-delete")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Restored: Site visit")).to_be_visible()
    expect(page.locator("article", has_text="First shooting review.")).to_have_count(1)


def test_follow_the_chain_forwards_and_back(page, cast, chain):
    sign_in(page, cast["partner_a"].email, TEST_PASSWORD)
    page.goto(f"/recommendations/{chain['rec'].pk}/")
    assert_accessible(page, "recommendation")
    page.get_by_role("link", name="Start biweekly shooting reviews").click()
    expect(
        page.get_by_role("heading", name="Action item: Start biweekly shooting reviews")
    ).to_be_visible()
    assert_accessible(page, "action-item")
    page.get_by_role("link", name=f"TA request #{chain['ta'].pk}").first.click()
    expect(
        page.get_by_role("heading", name=f"TA request #{chain['ta'].pk}: Alphaville")
    ).to_be_visible()
    page.get_by_role("link", name="Site visit on").first.click()
    expect(page.get_by_role("heading", name="TA requests it delivered")).to_be_visible()
    assert_accessible(page, "activity-record")
    # And back: activity → action item → recommendation.
    page.get_by_role("link", name="Start biweekly shooting reviews").click()
    page.get_by_role("link", name="Recommendation 1").click()
    expect(page.get_by_text("Hold biweekly shooting reviews with federal partners")).to_be_visible()


def test_upload_download_and_find_a_strategic_plan(page, cast, chain, tmp_path, settings):
    settings.PSP_UPLOAD_DIR = tmp_path / "uploads"
    plan = tmp_path / "Alphaville strategic plan.pdf"
    plan.write_bytes(PDF)
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)
    page.goto("/sites/alphaville/documents/")
    assert_accessible(page, "documents")
    page.locator("#id_file").set_input_files(str(plan))
    page.locator("#id_kind").select_option(label="Strategic plan")
    page.get_by_role("button", name="Attach").click()
    expect(
        page.get_by_text("Attached Strategic plan: Alphaville strategic plan.pdf")
    ).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Alphaville strategic plan.pdf").first.click()
    download = info.value
    assert download.suggested_filename == "Alphaville strategic plan.pdf"
    assert Path(download.path()).read_bytes() == PDF

    # Search from the header box.
    page.get_by_label("Search sites, people, activities and documents").fill("strategic plan")
    page.get_by_label("Search sites, people, activities and documents").press("Enter")
    page.wait_for_url("**/search/?q=strategic+plan")
    results = page.get_by_role("list", name="Search results")
    expect(results).to_contain_text("Document")
    expect(results).to_contain_text("Alphaville strategic plan.pdf")
    assert_accessible(page, "search")
