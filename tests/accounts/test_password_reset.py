"""Password reset by email (issue 21 M4): a signed single-use link, no account enumeration."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password_reset")
NEW = "a-brand-new-passphrase-42"


def ask(email: str) -> object:
    return Client().post(RESET, {"email": email})


def link_from_mail() -> str:
    return re.search(r"https?://\S+/accounts/password-reset/\S+/", mail.outbox[-1].body).group(0)


def test_the_sign_in_page_links_to_password_reset(client):
    assert RESET in client.get(reverse("accounts:login")).content.decode()


def test_a_known_address_gets_an_email_with_a_link(liaison_a):
    response = ask(" Liaison.A@Example.gov ")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [liaison_a.email]
    assert mail.outbox[0].subject == "Reset your PSP Portfolio password"
    assert "expires in 60 minutes" in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_email(liaison_a):
    known, unknown = ask(liaison_a.email), ask("nobody@example.gov")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1  # only the known one


def test_a_deactivated_account_gets_no_email(liaison_a):
    liaison_a.is_active = False
    liaison_a.save()
    ask(liaison_a.email)
    assert mail.outbox == []


def test_the_link_sets_a_new_password_once(liaison_a):
    ask(liaison_a.email)
    link = link_from_mail()
    client = Client()
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "Your password is changed" in done.content.decode()
    liaison_a.refresh_from_db()
    assert liaison_a.check_password(NEW) and not liaison_a.check_password(TEST_PASSWORD)
    assert "_auth_user_id" not in client.session  # not signed in by the link
    again = Client().get(link, follow=True).content.decode()
    assert "This reset link is not valid" in again


def test_a_weak_or_mismatched_password_is_refused_with_the_reason(liaison_a):
    ask(liaison_a.email)
    client = Client()
    form_url = client.get(link_from_mail(), follow=True).redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "password1", "new_password2": "password1"})
    assert "too common" in weak.content.decode()
    mismatch = client.post(form_url, {"new_password1": NEW, "new_password2": NEW + "x"})
    assert "The two passwords do not match." in mismatch.content.decode()
    liaison_a.refresh_from_db()
    assert liaison_a.check_password(TEST_PASSWORD)


def test_a_tampered_link_is_not_valid(liaison_a):
    ask(liaison_a.email)
    link = link_from_mail()
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
    page = Client().get(tampered, follow=True).content.decode()
    assert "This reset link is not valid" in page


def test_a_reset_does_not_skip_the_second_factor(pm):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=pm, name="Phone", confirmed=True)
    ask(pm.email)
    client = Client()
    url = client.get(link_from_mail(), follow=True).redirect_chain[-1][0]
    client.post(url, {"new_password1": NEW, "new_password2": NEW})
    client.post(reverse("accounts:login"), {"username": pm.email, "password": NEW})
    response = client.get(reverse("dashboards:portfolio"))
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
