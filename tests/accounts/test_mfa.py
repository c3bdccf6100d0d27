"""Second factor (issue 21 M4): required for admins and BJA staff, offered to everyone; TOTP
with a QR code, security keys, single-use recovery codes; an admin resets a lost factor."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from psp.accounts import mfa
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:mfa_verify")
SETUP = reverse("accounts:mfa_setup")
PORTFOLIO = reverse("dashboards:portfolio")


def password_step(email: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def app_for(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def test_an_admin_without_a_factor_must_set_one_up_before_anything_else(admin):
    client = password_step(admin.email)
    response = client.get(PORTFOLIO)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert client.get(reverse("accounts:user_list")).status_code == 302
    page = client.get(SETUP).content.decode()
    assert "Your role requires a second factor" in page


def test_bja_staff_with_an_app_are_asked_for_a_code_and_get_in_with_it(pm):
    device = app_for(pm)
    client = password_step(pm.email)
    response = client.get(PORTFOLIO)
    assert response["Location"] == f"{VERIFY}?next=%2Fsites%2F" or response["Location"].startswith(
        VERIFY
    )
    # The set-up pages are out of reach until the existing factor is used.
    assert client.get(reverse("accounts:mfa_totp"))["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": code(device), "next": PORTFOLIO})
    assert response.status_code == 302 and response["Location"] == PORTFOLIO
    assert client.get(PORTFOLIO).status_code == 200


def test_a_wrong_code_is_refused_with_a_reason_and_throttled(pm):
    device = app_for(pm)
    client = password_step(pm.email)
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Throttled: even the right code is refused straight after a failure.
    assert client.post(VERIFY, {"code": code(device)}).status_code == 200
    assert client.get(PORTFOLIO).status_code == 302


def test_a_code_cannot_be_used_twice(pm):
    device = app_for(pm)
    first = password_step(pm.email)
    current = code(device)
    assert first.post(VERIFY, {"code": current})["Location"] == "/"
    second = password_step(pm.email)
    assert second.post(VERIFY, {"code": current}).status_code == 200
    assert second.get(PORTFOLIO).status_code == 302


def test_someone_without_a_required_role_or_a_factor_is_never_asked(liaison_a):
    """Quiet case: a liaison with no factor signs in with a password only."""
    client = password_step(liaison_a.email)
    assert client.get(reverse("sites:detail", args=["alphaville"])).status_code == 200
    assert client.session[mfa.SESSION_KEY] == mfa.NOT_NEEDED


def test_a_liaison_who_opted_in_is_asked_too(liaison_a):
    device = app_for(liaison_a)
    client = password_step(liaison_a.email)
    assert client.get(PORTFOLIO)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code(device)})
    assert client.get(PORTFOLIO).status_code == 200


def test_setting_up_an_app_shows_a_qr_code_and_the_key_then_gives_recovery_codes(admin):
    client = password_step(admin.email)
    page = client.get(reverse("accounts:mfa_totp")).content.decode()
    assert "<svg" in page and "QR code for your authenticator app" in page
    secret = re.search(r'class="psp-secret">([A-Z2-7=]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert "cdn" not in page.lower()
    wrong = client.post(reverse("accounts:mfa_totp"), {"code": "123"})
    assert "That code does not match" in wrong.content.decode()
    # A wrong code makes the next one wait a second (django-otp throttling); skip the wait.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    key = base64.b32decode(secret)
    response = client.post(reverse("accounts:mfa_totp"), {"code": f"{totp(key):06d}"})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(PORTFOLIO).status_code == 200  # set up counts as verified


def test_a_recovery_code_works_once(pm):
    app_for(pm)
    codes = mfa.recovery_codes_new(pm)
    client = password_step(pm.email)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert StaticToken.objects.filter(device__user=pm).count() == len(codes) - 1
    again = password_step(pm.email)
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client_for, pm):
    app_for(pm)
    old = mfa.recovery_codes_new(pm)
    page = client_for(pm).post(reverse("accounts:mfa_recovery")).content.decode()
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(new) == 10 and not set(old) & set(new)
    assert mfa.recovery_codes_left(pm) == 10


def test_an_admin_resets_a_lost_factor_and_it_is_recorded(client_for, admin, pm):
    app_for(pm)
    WebAuthnCredential.objects.create(user=pm, name="Key", confirmed=True)
    mfa.recovery_codes_new(pm)
    response = client_for(admin).post(reverse("accounts:user_mfa_reset", args=[pm.pk]))
    assert response.status_code == 302
    assert not mfa.has_factor(pm) and mfa.recovery_codes_left(pm) == 0
    page = client_for(admin).get(reverse("accounts:user_detail", args=[pm.pk])).content.decode()
    assert f"Second factors reset by {admin.email}" in page
    # At their next sign-in they set one up again.
    assert password_step(pm.email).get(PORTFOLIO)["Location"].startswith(SETUP)


def test_only_an_admin_can_reset_someone_elses_factors(client_for, pm, auditor):
    device = app_for(pm)
    assert (
        client_for(auditor).post(reverse("accounts:user_mfa_reset", args=[pm.pk])).status_code
        == 403
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_someone_whose_role_requires_a_factor_cannot_remove_the_last_one(client_for, pm):
    device = app_for(pm)
    response = client_for(pm).post(
        reverse("accounts:mfa_remove", args=["totp", device.pk]), follow=True
    )
    assert "Your role requires a second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_liaison_can_remove_their_own_factor_but_not_someone_elses(client_for, liaison_a, pm):
    own, other = app_for(liaison_a), app_for(pm)
    c = client_for(liaison_a)
    c.post(reverse("accounts:mfa_remove", args=["totp", other.pk]))
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    c.post(reverse("accounts:mfa_remove", args=["totp", own.pk]))
    assert not TOTPDevice.objects.filter(pk=own.pk).exists()


def test_the_verify_page_offers_a_security_key_to_someone_who_has_one(pm):
    WebAuthnCredential.objects.create(user=pm, name="Key", confirmed=True)
    client = password_step(pm.email)
    page = client.get(VERIFY).content.decode()
    assert 'id="passkey-verification-button"' in page
    assert "otp_webauthn_auth.js" in page
    assert "<script>" not in page  # no inline script (the configuration is JSON data)


def test_webauthn_registration_is_refused_while_an_existing_factor_is_unverified(pm):
    app_for(pm)
    client = password_step(pm.email)
    response = client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    assert response.status_code in (302, 403)
    assert not WebAuthnCredential.objects.filter(user=pm).exists()


def test_an_unverified_session_gets_a_json_403_from_the_api(pm):
    app_for(pm)
    client = password_step(pm.email)
    response = client.get("/api/sites/")
    assert response.status_code == 403
    assert "Second factor required" in response.json()["detail"]


def test_the_role_list_comes_from_settings(settings, auditor):
    settings.PSP_MFA_REQUIRED_ROLES = ["admin", "bja_staff", "auditor"]
    client = password_step(auditor.email)
    assert client.get(PORTFOLIO)["Location"].startswith(SETUP)
