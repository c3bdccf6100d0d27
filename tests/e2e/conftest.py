"""End-to-end fixtures: the real app on a live server, driven by Debian's headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's database access
# happens in its own thread, and test setup code is synchronous, so this guard is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PSP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_PATH = "/static/vendor/axe-core/axe.min.js"
# HTMX swaps and chart drawing wait on a 2-core machine shared with the live server's thread;
# 5 s (Playwright's default) proved flaky under CI load.
EXPECT_TIMEOUT_MS = 15_000
SCREENSHOTS = Path(os.environ.get("PSP_E2E_SCREENSHOTS", "var/test/screenshots"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _patient_expect() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def totp_code(email: str) -> str:
    """The current code of the person's authenticator app (its key is in the database). Sets
    the app's last-used step back, so signing in twice within 30 seconds works."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def ensure_authenticator(email: str) -> None:
    """A person whose role requires a second factor gets an authenticator app (as if set up
    earlier), so tests of everything else sign in with a code rather than enrol first."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from psp.accounts import mfa
    from psp.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is not None and mfa.is_required_for(user) and not mfa.has_factor(user):
        TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def sign_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the pages; when the second step asks, type the app's current code."""
    ensure_authenticator(email)
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/mfa/verify/" in page.url:
        page.get_by_label("Code").fill(totp_code(email))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state("networkidle")


def assert_accessible(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Run axe-core (vendored, same origin so the CSP allows it); fail on serious/critical."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(url=AXE_PATH)
    results = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    bad = [v for v in results if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe-core violations on {name}: {bad}"
