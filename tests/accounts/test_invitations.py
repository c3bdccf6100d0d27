"""Invitations: random hashed single-use tokens that expire; accept, reuse, revoke, re-send;
deactivating a user."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from psp.accounts import services
from psp.accounts.models import Invitation, User
from sites.models import SiteMembership

pytestmark = pytest.mark.django_db
BASE = "https://psp.example.gov/"


def invite(admin, *sites, role="liaison", email="new.person@example.gov"):
    return services.membership_invite(
        acting_user=admin,
        email=email,
        full_name="Nia New",
        role=role,
        sites=list(sites),
        base_url=BASE,
    )


def link_from_last_email() -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)


def token_from(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def test_invitation_emails_a_one_time_link_and_stores_only_its_hash(admin, site_a):
    invitation = invite(admin, site_a)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.gov"]
    link = link_from_last_email()
    assert link.startswith(BASE)
    token = token_from(link)
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert invitation.token_hash == services.hash_token(token)
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert "Alphaville" in mail.outbox[0].body


def test_two_invitations_get_different_tokens(admin, site_a):
    invite(admin, site_a, email="one@example.gov")
    invite(admin, site_a, email="two@example.gov")
    assert token_from(re.search(r"http\S+", mail.outbox[0].body).group(0)) != token_from(
        re.search(r"http\S+", mail.outbox[1].body).group(0)
    )


def test_accepting_creates_the_account_with_the_invited_role_on_the_chosen_sites(
    admin, site_a, site_b
):
    invite(admin, site_a)
    user = services.invitation_accept(
        token=token_from(link_from_last_email()),
        full_name="Nia New",
        password="a-long-unusual-passphrase",
    )
    assert user.check_password("a-long-unusual-passphrase")
    assert user.role == ""
    assert list(SiteMembership.objects.filter(user=user).values_list("site__slug", "role")) == [
        ("alphaville", "liaison")
    ]
    assert Invitation.objects.get().status() == "accepted"


def test_a_staff_wide_invitation_gives_the_staff_role(admin):
    invite(admin, role="auditor")
    user = services.invitation_accept(
        token=token_from(link_from_last_email()), full_name="", password="a-long-unusual-passphrase"
    )
    assert (user.role, user.full_name, user.sees_all_sites) == ("auditor", "Nia New", True)


def test_a_link_works_only_once(admin, site_a):
    invite(admin, site_a)
    token = token_from(link_from_last_email())
    services.invitation_accept(token=token, full_name="Nia", password="a-long-unusual-passphrase")
    with pytest.raises(ValidationError, match="accepted"):
        services.invitation_accept(token=token, full_name="Eve", password="another-long-secret1")
    assert User.objects.filter(email="new.person@example.gov").count() == 1


def test_an_expired_link_is_refused(admin, site_a):
    invitation = invite(admin, site_a)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(
            token=token_from(link_from_last_email()),
            full_name="Nia",
            password="a-long-unusual-passphrase",
        )
    assert not User.objects.filter(email="new.person@example.gov").exists()


def test_a_revoked_link_is_refused(admin, site_a):
    invitation = invite(admin, site_a)
    services.invitation_revoke(invitation=invitation, acting_user=admin)
    with pytest.raises(ValidationError, match="revoked"):
        services.invitation_accept(
            token=token_from(link_from_last_email()),
            full_name="Nia",
            password="a-long-unusual-passphrase",
        )


def test_resending_replaces_the_link_and_restarts_the_seven_days(admin, site_a):
    invitation = invite(admin, site_a)
    old = token_from(link_from_last_email())
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    invitation.refresh_from_db()
    services.invitation_resend(invitation=invitation, acting_user=admin, base_url=BASE)
    new = token_from(link_from_last_email())
    assert new != old
    assert services.invitation_for_token(old) is None
    invitation.refresh_from_db()
    assert invitation.status() == "pending"
    services.invitation_accept(token=new, full_name="Nia", password="a-long-unusual-passphrase")


def test_an_accepted_invitation_cannot_be_resent_or_revoked(admin, site_a):
    invitation = invite(admin, site_a)
    services.invitation_accept(
        token=token_from(link_from_last_email()), full_name="N", password="a-long-unusual-pass1"
    )
    invitation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.invitation_resend(invitation=invitation, acting_user=admin, base_url=BASE)
    with pytest.raises(ValidationError):
        services.invitation_revoke(invitation=invitation, acting_user=admin)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("48217593061", "entirely numeric"),
        ("new.person@example", "too similar"),
    ],
)
def test_passwords_follow_djangos_validators(admin, site_a, password, message):
    invite(admin, site_a)
    with pytest.raises(ValidationError, match=message):
        services.invitation_accept(
            token=token_from(link_from_last_email()), full_name="Nia", password=password
        )
    assert Invitation.objects.get().status() == "pending"


def test_inviting_an_existing_account_or_a_pending_address_is_refused(admin, site_a, liaison_a):
    with pytest.raises(ValidationError) as err:
        invite(admin, site_a, email=liaison_a.email.upper())
    assert "already has an active account" in err.value.message_dict["email"][0]
    invite(admin, site_a)
    with pytest.raises(ValidationError) as err:
        invite(admin, site_a)
    assert "pending invitation" in err.value.message_dict["email"][0]


def test_site_roles_need_sites_and_staff_roles_refuse_them(admin, site_a):
    with pytest.raises(ValidationError) as err:
        invite(admin, role="partner")
    assert "sites" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        invite(admin, site_a, role="bja_staff")
    assert "sites" in err.value.message_dict


def test_a_failed_email_saves_no_invitation(admin, site_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(ValidationError, match="could not be sent"):
        invite(admin, site_a)
    assert not Invitation.objects.exists()


# --- pages ---------------------------------------------------------------------------------------


def accept_url(token: str) -> str:
    return reverse("accounts:invitation_accept", args=[token])


def test_invited_liaison_sets_a_password_and_lands_on_their_sites(
    client_for, admin, site_a, site_b
):
    response = client_for(admin).post(
        reverse("accounts:invite"),
        {
            "email": "Nia.New@Example.gov",
            "full_name": "Nia New",
            "role": "liaison",
            "sites": [str(site_a.pk)],
        },
    )
    assert response.status_code == 302
    link = link_from_last_email()
    assert link.startswith("http://testserver/")
    c = Client()
    page = c.get(link)
    assert page.status_code == 200 and "Alphaville" in page.content.decode()
    done = c.post(
        link,
        {
            "full_name": "Nia New",
            "password1": "a-long-unusual-pass1",
            "password2": "a-long-unusual-pass1",
        },
        follow=True,
    )
    body = done.content.decode()
    # A person invited to one site lands on that site, not on the national portfolio.
    assert done.redirect_chain[-1][0] == reverse("sites:detail", args=["alphaville"])
    assert "Alphaville" in body and "Betatown" not in body
    assert User.objects.get(email="nia.new@example.gov").full_name == "Nia New"


def test_weak_password_is_shown_next_to_the_field_and_the_link_still_works(admin, site_a):
    invite(admin, site_a)
    link = link_from_last_email()
    c = Client()
    body = c.post(
        link, {"full_name": "Nia", "password1": "password123", "password2": "password123"}
    ).content.decode()
    assert 'id="id_password1-error"' in body and "too common" in body
    assert c.get(link).status_code == 200


def test_mismatched_passwords_are_refused(admin, site_a):
    invite(admin, site_a)
    body = (
        Client()
        .post(
            link_from_last_email(),
            {"full_name": "Nia", "password1": "a-long-unusual-pass1", "password2": "other-pass-22"},
        )
        .content.decode()
    )
    assert "do not match" in body
    assert not User.objects.filter(email="new.person@example.gov").exists()


@pytest.mark.parametrize(
    ("state", "status", "heading"),
    [
        ("used", 410, "already been used"),
        ("expired", 410, "has expired"),
        ("revoked", 410, "was withdrawn"),
        ("unknown", 404, "is not valid"),
    ],
)
def test_a_used_expired_revoked_or_unknown_link_shows_a_clear_page(
    admin, site_a, state, status, heading
):
    invitation = invite(admin, site_a)
    token = token_from(link_from_last_email())
    if state == "used":
        services.invitation_accept(token=token, full_name="N", password="a-long-unusual-pass1")
    elif state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif state == "revoked":
        services.invitation_revoke(invitation=invitation, acting_user=admin)
    else:
        token = "x" * 43
    response = Client().get(accept_url(token))
    assert response.status_code == status
    assert heading in response.content.decode()
    post = Client().post(
        accept_url(token),
        {
            "full_name": "Eve",
            "password1": "a-long-unusual-pass9",
            "password2": "a-long-unusual-pass9",
        },
    )
    assert post.status_code == status
    assert User.objects.filter(email="new.person@example.gov").count() == (state == "used")


def test_admin_resends_and_revokes_from_the_user_list(client_for, admin, site_a):
    invitation = invite(admin, site_a)
    c = client_for(admin)
    c.post(reverse("accounts:invitation_resend", args=[invitation.pk]))
    assert len(mail.outbox) == 2
    c.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status() == "revoked" and invitation.revoked_by == admin
    body = c.get(reverse("accounts:user_list")).content.decode()
    assert "Revoked" in body


# --- deactivation -------------------------------------------------------------------------------


def test_deactivated_user_is_signed_out_at_once_and_history_keeps_their_name(
    client_for, admin, liaison_a, site_a
):
    from sites.services import site_update

    site_update(site=site_a, acting_user=liaison_a, changes={"summary": "Lee's note"})
    liaison_client = client_for(liaison_a)
    assert liaison_client.get(reverse("sites:detail", args=[site_a.slug])).status_code == 200
    response = client_for(admin).post(reverse("accounts:user_deactivate", args=[liaison_a.pk]))
    assert response.status_code == 302
    liaison_a.refresh_from_db()
    assert not liaison_a.is_active
    after = liaison_client.get(reverse("sites:detail", args=[site_a.slug]))
    assert after.status_code == 302 and after["Location"].startswith(reverse("accounts:login"))
    assert site_a.history.first().history_user == liaison_a
    body = client_for(admin).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    assert "Lee Liaison" in body  # the change history still names them
    assert liaison_a.history.first().history_user == admin


def test_deactivated_user_cannot_sign_in(client, admin, liaison_a):
    from tests.factories import TEST_PASSWORD

    services.user_deactivate(user=liaison_a, acting_user=admin)
    response = client.post(
        reverse("accounts:login"), {"username": liaison_a.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_cannot_deactivate_themselves(client_for, admin):
    response = client_for(admin).post(
        reverse("accounts:user_deactivate", args=[admin.pk]), follow=True
    )
    assert "cannot deactivate your own account" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_reactivation_restores_access(client_for, admin, liaison_a, site_a):
    services.user_deactivate(user=liaison_a, acting_user=admin)
    client_for(admin).post(reverse("accounts:user_reactivate", args=[liaison_a.pk]))
    liaison_a.refresh_from_db()
    assert liaison_a.is_active
    assert client_for(liaison_a).get(reverse("sites:detail", args=[site_a.slug])).status_code == 200
