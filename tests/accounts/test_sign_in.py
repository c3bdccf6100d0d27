"""Signing in: email login, per-account lockout, idle timeout, password rules."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_with_email_lands_a_one_site_liaison_on_their_site(client, liaison_a):
    response = sign_in(client, "Liaison.A@Example.gov ", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == reverse(
        "sites:detail", args=["alphaville"]
    )


def test_wrong_password_shows_an_error_and_no_session(client, liaison_a):
    response = sign_in(client, liaison_a.email, "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_account_locks_after_five_failures_even_from_different_ips(client, liaison_a):
    for attempt in range(4):
        assert sign_in(client, liaison_a.email, "nope", ip=f"10.0.0.{attempt}").status_code == 200
    assert sign_in(client, liaison_a.email, "nope", ip="10.9.9.9").status_code == 429
    # Locked: even the right password is refused for this account.
    assert sign_in(Client(), liaison_a.email, TEST_PASSWORD, ip="10.8.8.8").status_code == 429


def test_lockout_of_one_account_does_not_lock_others_on_the_same_ip(client, liaison_a, liaison_b):
    for _ in range(5):
        sign_in(client, liaison_a.email, "nope", ip="10.1.1.1")
    response = sign_in(Client(), liaison_b.email, TEST_PASSWORD, ip="10.1.1.1")
    assert response.status_code == 302


def test_session_ends_after_thirty_idle_minutes(client_for, liaison_a):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request pushes the idle deadline
    c = client_for(liaison_a)
    c.get(reverse("dashboards:portfolio"))
    assert 29 * 60 < c.session.get_expiry_age() <= 30 * 60


def test_sign_out_is_post_only(client_for, liaison_a):
    c = client_for(liaison_a)
    assert c.get(reverse("accounts:logout")).status_code == 405
    c.post(reverse("accounts:logout"))
    assert c.get(reverse("dashboards:portfolio")).status_code == 302


@pytest.mark.parametrize(
    "password", ["short1", "password123", "12345678901", "lee.liaison.example"]
)
def test_weak_passwords_are_rejected(password):
    user = UserFactory.build(email="lee.liaison@example.gov", full_name="Lee Liaison")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_sign_in_page_sends_a_strict_content_security_policy(client):
    policy = client.get(LOGIN)["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_varying_the_email_case_does_not_get_past_the_limit(client, liaison_a):
    for variant in [
        "LIAISON.A@example.gov",
        "liaison.a@EXAMPLE.gov",
        " liaison.a@example.gov",
        "Liaison.A@Example.Gov",
    ]:
        sign_in(client, variant, "nope")
    assert sign_in(client, liaison_a.email, "nope").status_code == 429
