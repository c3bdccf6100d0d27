"""In a browser: the API docs (/api/docs/, Swagger UI from our own origin) are axe-clean — with
an operation and the schemas opened, as a developer reads them — in English, with one main
landmark and one page heading, fit a phone, and draw every operation without a
Content-Security-Policy violation (templates/api/docs.html, static/css/swagger-ui-a11y.css)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, sign_in
from tests.e2e.test_layouts import LAYOUT_JS
from tests.factories import TEST_PASSWORD

# The outermost elements reaching past the window's right edge (to say what to fix).
WIDEST_JS = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const past = e => e && e.getBoundingClientRect().right > edge;
  return [...document.querySelectorAll('#swagger-ui *')]
    .filter(e => past(e) && !past(e.parentElement)).slice(0, 12)
    .map(e => `${e.tagName} .${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
}"""

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_are_accessible_closed_and_open(page, cast):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("heading", level=1).count() == 1
    assert_accessible(page, "api-docs")
    # One operation opened, its parameters and responses shown.
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for()
    assert_accessible(page, "api-docs-operation")
    # Schemas at the foot of the page, one opened.
    page.locator(".models-control").first.click()
    assert_accessible(page, "api-docs-schemas")
    # On a phone the page does not scroll sideways (wide examples scroll in their own box).
    page.set_viewport_size({"width": 390, "height": 844})
    layout = page.evaluate(LAYOUT_JS)
    wide = page.evaluate(WIDEST_JS)
    assert layout["page"] <= layout["viewport"], (layout, wide)
    assert problems == []
