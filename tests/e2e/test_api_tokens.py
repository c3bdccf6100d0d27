"""In a browser: a person creates an API token (the secret is shown once), and the API docs
draw every operation from our own origin with no Content-Security-Policy violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_liaison_creates_a_token_and_browses_the_api_docs(page, cast):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("R laptop")
    page.get_by_text("Read and write").click()  # USWDS radios: the label takes the click
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Secret").input_value()
    assert secret.startswith("psp_")
    assert page.get_by_role("row", name="R laptop").is_visible()
    assert_accessible(page, "api-tokens")
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 30
    assert problems == []
