"""Every page every demo role can reach, on a phone (390×844) and a laptop (1280×800): the page
never scrolls sideways, and on the laptop no table is clipped (issue 17). Wide tables may scroll
inside their own focusable box on a phone (static/js/tables.js). Each kind of page is also checked
with axe-core at both sizes.

The pages are found by following links from where each role lands, one page per URL pattern, so a
new page is covered as soon as something links to it.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from psp.demo.sites import DEMO_PASSWORD
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["admin", "pm", "auditor", "liaison", "partner"]
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}
# Links that are not pages: downloads, exports, the admin site (Django's own), the API's schema
# (a YAML file) and signing out. The API's token page and docs are pages like any other.
NOT_PAGES = (
    "/export",
    "/file/",
    "/download",
    "/admin/",
    "/accounts/logout",
    "/static/",
    "/media/",
    "/api/schema",
)
MAX_PAGES_PER_ROLE = 80

LAYOUT_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const clipped = [...document.querySelectorAll('.psp-table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => (w.getAttribute('aria-label') || w.querySelector('caption')?.textContent || 'table')
      .trim().slice(0, 60) + ` (${w.scrollWidth} px in ${w.clientWidth} px)`);
  return {viewport: vw, page: document.documentElement.scrollWidth, clipped};
}"""


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def links_on(page) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    paths = []
    for href in hrefs:
        if not href or not href.startswith("/") or href.startswith("//"):
            continue
        path = urlsplit(href).path
        if not any(part in path for part in NOT_PAGES):
            paths.append(path)
    return paths


@pytest.fixture
def demo(settings, tmp_path):
    with override_settings(DEMO_MODE=True, PSP_UPLOAD_DIR=tmp_path):
        call_command("seed_demo", stdout=io.StringIO())
        yield


def test_every_page_fits_a_phone_and_a_laptop_for_every_role(browser, live_server, demo):
    problems: list[str] = []
    checked_axe: set[tuple[str, str]] = set()
    visited = 0
    for role in ROLES:
        for size_name, (width, height) in SIZES.items():
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": width, "height": height}
            )
            page = context.new_page()
            page.set_default_timeout(30_000)
            sign_in(page, f"{role}@psp.example", DEMO_PASSWORD)
            queue = [urlsplit(page.url).path]
            seen: set[str] = set()
            while queue and len(seen) < MAX_PAGES_PER_ROLE:
                path = queue.pop(0)
                route = route_of(path)
                if route is None or route in seen:
                    continue
                seen.add(route)
                try:
                    response = page.goto(path)
                except PlaywrightError as error:  # a file served as a download is not a page
                    if "Download is starting" in str(error):
                        continue
                    raise
                if response is None or response.status != 200:
                    continue
                if "text/html" not in response.headers.get("content-type", ""):
                    continue
                page.wait_for_load_state("networkidle")
                visited += 1
                layout = page.evaluate(LAYOUT_JS)
                where = f"{role} {size_name} {path}"
                if layout["page"] > layout["viewport"]:
                    problems.append(
                        f"{where}: the page scrolls sideways "
                        f"({layout['page']} px in a {layout['viewport']} px window)"
                    )
                if size_name == "laptop" and layout["clipped"]:
                    problems.append(f"{where}: clipped table {layout['clipped']}")
                if (route, size_name) not in checked_axe:
                    checked_axe.add((route, size_name))
                    name = f"layout-{size_name}-{route.strip('/').replace('/', '_') or 'home'}"
                    try:
                        assert_accessible(page, name[:120].replace("<", "").replace(">", ""))
                    except AssertionError as failure:
                        problems.append(f"{where}: {failure}")
                queue.extend(p for p in links_on(page) if route_of(p) not in seen)
            context.close()
    assert visited > 100, f"only {visited} pages were reached: did sign-in or seeding fail?"
    assert not problems, "\n".join(problems)
