"""The second factor in the browser (issue 21, acceptance 4): an administrator with no factor
is sent to set one up, scans nothing but types the key's code, saves recovery codes, and at the
next sign-in is asked for a code before anything else. Pages pass axe-core."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, totp_code
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def password_step(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_admin_sets_up_an_app_then_signs_in_with_a_code(page, admin, site_a):
    password_step(page, admin.email)
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    expect(page.get_by_text("Your role requires a second factor")).to_be_visible()
    # Until a factor is set up, the portfolio is out of reach.
    page.goto("/sites/")
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert_accessible(page, "mfa-setup")

    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator(".psp-qr svg")).to_be_visible()
    assert_accessible(page, "mfa-totp")
    secret = page.locator(".psp-secret").inner_text()
    page.get_by_label("6-digit code from the app").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".psp-recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]+", c) for c in codes)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Site portfolio")).to_be_visible()

    page.get_by_role("button", name=re.compile("^Sign out")).click()
    password_step(page, admin.email)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert_accessible(page, "mfa-verify")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    # A recovery code works instead of the app. The wrong code above makes every factor wait a
    # second before the next try (django-otp throttling, doubling with each failure).
    page.wait_for_timeout(1_500)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Site portfolio")).to_be_visible()
    assert totp_code(admin.email)  # the app stays set up
