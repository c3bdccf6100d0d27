"""The review loop in Chromium: a liaison uploads a revision, sees the diff, gives a reason and
submits; the program manager returns the month with a comment; the liaison sees it, fixes and
resubmits; the program manager approves; a later file touching the month is refused; the
program manager unlocks it with a reason; the history shows all of it. Every page passes axe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from metrics import services
from metrics.tasks import import_upload
from tests.e2e.conftest import assert_accessible, sign_in
from tests.e2e.test_data_upload import upload as send
from tests.factories import TEST_PASSWORD
from tests.metrics.conftest import as_file, offense_codes  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "month,offense,count\n2024-03,robbery,10\n2024-04,robbery,5\n"


def decide(page, month: str, decision: str, comment: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(month, exact=True).check()
    page.locator("label.usa-radio__label", has_text=decision).click()  # USWDS hides the input
    page.get_by_label("Comment or reason (required to return or unlock)").fill(comment)
    page.get_by_role("button", name="Save review decision").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.usefixtures("offense_codes")
def test_revision_review_loop(
    browser, live_server, page, liaison_a, pm, site_a, settings, tmp_path, monkeypatch
):
    settings.PSP_UPLOAD_DIR = tmp_path / "uploads"
    queued: list[int] = []
    monkeypatch.setattr(import_upload, "delay", lambda pk: queued.append(pk))
    first = services.upload_receive(
        site=site_a, kind="monthly_counts", file=as_file(FIRST), acting_user=liaison_a
    )
    services.upload_import_now(upload=first, acting_user=liaison_a)
    data_url = reverse("metrics:data", args=[site_a.slug])

    def import_queued() -> None:
        services.upload_import(upload_id=queued.pop())
        page.wait_for_selector('[data-testid="results"]', timeout=15_000)

    # The liaison sends a revision: the preview shows stored, new and difference.
    sign_in(page, liaison_a.email, TEST_PASSWORD)
    page.goto(data_url)
    send(page, "month,offense,count\n2024-03,robbery,12\n2024-04,robbery,5\n", "rev.csv")
    changes = page.get_by_role("table", name="Values that would change")
    assert "Mar 2024" in changes.inner_text() and "+2" in changes.inner_text()
    assert "changes 1 already stored" in page.get_by_test_id("diff-summary").inner_text()
    assert_accessible(page, "review-preview-diff")
    page.get_by_label("Why do these values change?").fill("RMS re-coded two robberies.")
    page.get_by_role("button", name="Confirm and import").click()
    page.wait_for_load_state("domcontentloaded")
    import_queued()

    # The program manager returns March with a comment.
    pm_page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(pm_page, pm.email, TEST_PASSWORD)
    pm_page.goto(data_url + "#review")
    assert_accessible(pm_page, "review-pm-data-page")
    decide(pm_page, "Mar 2024", "Return to the site", "March robbery should be 11, not 12.")
    assert "Mar 2024 returned" in pm_page.locator(".usa-alert").first.inner_text()

    # The liaison sees the comment, fixes and resubmits.
    page.goto(data_url)
    returned = page.get_by_role("region", name="Months returned to the site")
    assert "March robbery should be 11, not 12." in returned.inner_text()
    assert_accessible(page, "review-liaison-returned")
    send(page, "month,offense,count\n2024-03,robbery,11\n", "fix.csv")
    page.get_by_label("Why do these values change?").fill("Corrected as BJA asked.")
    page.get_by_role("button", name="Confirm and import").click()
    page.wait_for_load_state("domcontentloaded")
    import_queued()

    # The program manager approves; March is locked.
    pm_page.goto(data_url)
    decide(pm_page, "Mar 2024", "Approve (the months are locked)", "")
    assert (
        "approved, locked"
        in pm_page.get_by_role("table", name="Months in review").inner_text().lower()
    )

    # A later file touching March is refused, naming the month.
    page.goto(data_url)
    send(page, "month,offense,count\n2024-03,robbery,13\n", "late.csv")
    problems = page.get_by_test_id("problems").inner_text()
    assert "approved and locked: Mar 2024" in problems
    assert page.get_by_role("button", name="Confirm and import").count() == 0
    assert_accessible(page, "review-locked-refusal")

    # Unlock with a reason; the history shows every step with who and why.
    pm_page.goto(data_url)
    decide(pm_page, "Mar 2024", "Unlock approved months", "Site found a second coding error.")
    history = pm_page.locator("#review-history + ul").inner_text()
    for text in (
        "Unlocked Mar 2024 by Pat Manager — “Site found a second coding error.”",
        "Approved Mar 2024 by Pat Manager",
        "Returned Mar 2024 by Pat Manager — “March robbery should be 11, not 12.”",
        "Submitted Mar 2024 by Lee Liaison (fix.csv) — “Corrected as BJA asked.”",
        "Submitted Mar 2024, Apr 2024 by Lee Liaison (rev.csv) — “RMS re-coded two robberies.”",
    ):
        assert text in history, text
    revised = pm_page.get_by_test_id("revisions").inner_text()
    assert "RMS re-coded two robberies." in revised and "Corrected as BJA asked." in revised
    assert_accessible(pm_page, "review-history")
