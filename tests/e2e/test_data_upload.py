"""A liaison sends monthly data in Chromium: a file with two bad rows is previewed with both
listed by row, the fixed file is confirmed, the progress bar polls until done, and the new month
shows on the Data page. Every page passes axe-core (no serious or critical violations)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from metrics import services
from metrics.tasks import import_upload
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD
from tests.metrics.conftest import offense_codes  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

BAD = (
    "month,offense,count\n"
    "2024-03,homicide,2\n"
    "2024-03,robbery,-4\n"  # row 3
    "2024-04,homicide,3\n"
    "2024-04,arson,1\n"  # row 5
)
GOOD = "month,offense,count\n2024-03,homicide,2\n2024-03,robbery,4\n2024-04,homicide,3\n"


def upload(page, content: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("select[name=kind]").select_option("monthly_counts")
    page.locator("input[name=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.usefixtures("offense_codes")
def test_liaison_uploads_fixes_confirms_and_sees_the_new_month(
    page, liaison_a, site_a, settings, tmp_path, monkeypatch
):
    settings.PSP_UPLOAD_DIR = tmp_path / "uploads"
    queued: list[int] = []
    # Hold the import so the page is seen polling; the test then plays the worker.
    monkeypatch.setattr(import_upload, "delay", lambda pk: queued.append(pk))

    sign_in(page, liaison_a.email, TEST_PASSWORD)
    page.goto(reverse("metrics:data", args=[site_a.slug]))
    assert page.get_by_role("heading", name="Outcome data: Alphaville").is_visible()
    assert_accessible(page, "data-page-empty")

    upload(page, BAD, "march.csv")
    problems = page.get_by_test_id("problems")
    rows = problems.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(0).inner_text() == "3"
    assert "cannot be negative" in rows.nth(0).inner_text()
    assert rows.nth(1).locator("td").nth(0).inner_text() == "5"
    assert "arson" in rows.nth(1).inner_text()
    assert_accessible(page, "upload-preview-problems")

    page.get_by_role("link", name="Data", exact=True).click()
    upload(page, GOOD, "march-fixed.csv")
    assert page.get_by_role("heading", name="Ready to import").is_visible()
    assert_accessible(page, "upload-preview-ready")

    page.get_by_role("button", name="Confirm and import").click()
    page.wait_for_load_state("domcontentloaded")
    bar = page.locator("#upload-progress-bar")
    assert bar.get_attribute("value") == "0"
    assert "You can leave this page" in page.locator("#upload-progress").inner_text()
    assert_accessible(page, "upload-progress")

    assert len(queued) == 1
    services.upload_import(upload_id=queued[0])  # the worker runs the import
    page.wait_for_selector('[data-testid="results"]', timeout=15_000)  # HTMX refreshed the page
    assert page.locator("#upload-progress-bar").get_attribute("value") == "100"
    assert page.get_by_test_id("upload-status").inner_text() == "Imported"
    assert_accessible(page, "upload-imported")

    page.goto(reverse("metrics:data", args=[site_a.slug]))
    assert "through Apr 2024" in page.locator(".usa-intro").inner_text()
    counts = page.get_by_role("region", name="Monthly counts of Alphaville")
    assert counts.get_by_role("rowheader", name="Apr 2024").is_visible()
    assert_accessible(page, "data-page-with-data")
