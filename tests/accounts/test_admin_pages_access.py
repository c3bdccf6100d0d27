"""Onboarding and user management are for PSP administrators only (docs/design.md §3).

Every page × every member of the cast: anonymous → sign-in redirect; every signed-in non-admin →
403 (these pages are not about one site, so there is nothing a 404 would hide); wrong method → 405.
The invitation link itself is public (it is how a new person arrives) and is tested elsewhere.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from psp.accounts import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NON_ADMINS = ["pm", "auditor", "liaison_a", "liaison_b", "partner_a", "outsider"]


@pytest.fixture
def invitation(admin, site_a):
    return services.membership_invite(
        acting_user=admin,
        email="invitee@example.gov",
        full_name="In Vitee",
        role="liaison",
        sites=[site_a],
        base_url="http://testserver/",
    )


@pytest.fixture
def pages(site_a, liaison_b, invitation):
    """(url, methods that are allowed) for every admin-only page."""
    return {
        "onboard": (reverse("onboarding:onboard"), {"get", "post"}),
        "onboard_bulk": (reverse("onboarding:onboard_bulk"), {"get", "post"}),
        "place_search": (reverse("onboarding:place_search") + "?q=spring", {"get"}),
        "milestones": (reverse("onboarding:milestones", args=[site_a.slug]), {"get", "post"}),
        "user_list": (reverse("accounts:user_list"), {"get"}),
        "invite": (reverse("accounts:invite"), {"get", "post"}),
        "user_detail": (reverse("accounts:user_detail", args=[liaison_b.pk]), {"get"}),
        "user_deactivate": (reverse("accounts:user_deactivate", args=[liaison_b.pk]), {"post"}),
        "user_reactivate": (reverse("accounts:user_reactivate", args=[liaison_b.pk]), {"post"}),
        "invitation_resend": (
            reverse("accounts:invitation_resend", args=[invitation.pk]),
            {"post"},
        ),
        "invitation_revoke": (
            reverse("accounts:invitation_revoke", args=[invitation.pk]),
            {"post"},
        ),
    }


PAGE_NAMES = [
    "onboard",
    "onboard_bulk",
    "place_search",
    "milestones",
    "user_list",
    "invite",
    "user_detail",
    "user_deactivate",
    "user_reactivate",
    "invitation_resend",
    "invitation_revoke",
]


def _call(client, method: str, url: str):
    return getattr(client, method)(url)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_anonymous_is_sent_to_sign_in(client, pages, name):
    url, methods = pages[name]
    response = _call(client, sorted(methods)[0], url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGE_NAMES)
@pytest.mark.parametrize("role", NON_ADMINS)
def test_every_non_admin_is_forbidden(cast, client_for, pages, name, role):
    url, methods = pages[name]
    c = client_for(cast[role])
    for method in methods:
        response = _call(c, method, url)
        if name == "milestones" and role in ("liaison_b", "outsider"):
            assert response.status_code == 404  # a site they cannot see stays unseen
        else:
            assert response.status_code == 403, (method, response.status_code)
    cast["liaison_b"].refresh_from_db()
    assert cast["liaison_b"].is_active  # nothing a refused request did stuck


def test_forbidden_pages_do_not_leak_their_content(client_for, liaison_a, invitation):
    body = client_for(liaison_a).get(reverse("accounts:user_list")).content.decode()
    assert "invitee@example.gov" not in body
    search = client_for(liaison_a).get(reverse("onboarding:place_search") + "?q=spring")
    assert b"Springfield" not in search.content


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_admin_reaches_every_page_and_wrong_methods_get_405(client_for, admin, pages, name):
    url, methods = pages[name]
    c = client_for(admin)
    if "get" in methods:
        assert c.get(url).status_code == 200
    else:
        assert c.get(url).status_code == 405
    assert c.delete(url).status_code == 405


def test_admin_navigation_offers_onboarding_and_users_and_others_do_not(client_for, admin, pm):
    admin_body = client_for(admin).get(reverse("dashboards:portfolio")).content.decode()
    pm_body = client_for(pm).get(reverse("dashboards:portfolio")).content.decode()
    for href in (reverse("onboarding:onboard"), reverse("accounts:user_list")):
        assert f'href="{href}"' in admin_body
        assert f'href="{href}"' not in pm_body


def test_deactivated_admin_loses_admin_pages(client_for, admin):
    c = client_for(admin)
    other = UserFactory(role="admin", email="admin2@example.gov")
    services.user_deactivate(user=admin, acting_user=other)
    assert c.get(reverse("accounts:user_list")).status_code == 302


def test_invitation_accept_page_refuses_other_methods(admin, invitation, client):
    response = client.delete(reverse("accounts:invitation_accept", args=["x" * 43]))
    assert response.status_code == 405


@pytest.mark.parametrize("extra_users", [2, 20])
def test_user_list_runs_in_constant_queries(
    client_for, admin, site_a, invitation, django_assert_max_num_queries, extra_users
):
    from tests.factories import MembershipFactory

    for _ in range(extra_users):
        MembershipFactory(site=site_a)
    c = client_for(admin)
    # +1: the header's notification bell counts the unread (issue 15).
    with django_assert_max_num_queries(10):
        assert c.get(reverse("accounts:user_list")).status_code == 200
