"""Who can reach which site page (docs/design.md §3): every URL × every member of the cast."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SITE_PAGES = ["sites:detail", "sites:edit", "sites:phase", "sites:agency_add"]

# GET status per role on site_a's pages. 404 for anyone who may not see the site; 403 for a
# visible site where the role may not act.
EXPECTED_GET = {
    "sites:detail": {
        "admin": 200,
        "pm": 200,
        "auditor": 200,
        "liaison_a": 200,
        "partner_a": 200,
        "liaison_b": 404,
        "outsider": 404,
    },
    "sites:edit": {
        "admin": 200,
        "pm": 200,
        "auditor": 403,
        "liaison_a": 200,
        "partner_a": 403,
        "liaison_b": 404,
        "outsider": 404,
    },
    "sites:phase": {
        "admin": 200,
        "pm": 403,
        "auditor": 403,
        "liaison_a": 403,
        "partner_a": 403,
        "liaison_b": 404,
        "outsider": 404,
    },
    "sites:agency_add": {
        "admin": 200,
        "pm": 200,
        "auditor": 403,
        "liaison_a": 200,
        "partner_a": 403,
        "liaison_b": 404,
        "outsider": 404,
    },
}


@pytest.mark.parametrize("name", SITE_PAGES)
def test_anonymous_is_sent_to_sign_in(client, site_a, name):
    url = reverse(name, args=[site_a.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", SITE_PAGES)
@pytest.mark.parametrize(
    "role", ["admin", "pm", "auditor", "liaison_a", "partner_a", "liaison_b", "outsider"]
)
def test_site_page_access_by_role(cast, site_a, client_for, name, role):
    response = client_for(cast[role]).get(reverse(name, args=[site_a.slug]))
    assert response.status_code == EXPECTED_GET[name][role]


def test_unknown_site_is_404_like_a_forbidden_one(client_for, liaison_b, site_a):
    c = client_for(liaison_b)
    missing = c.get(reverse("sites:detail", args=["no-such-site"]))
    forbidden = c.get(reverse("sites:detail", args=[site_a.slug]))
    assert missing.status_code == forbidden.status_code == 404


@pytest.mark.parametrize("name", ["dashboards:portfolio", "sites:detail"])
def test_read_only_pages_refuse_post(client_for, admin, site_a, name):
    args = [] if name == "dashboards:portfolio" else [site_a.slug]
    assert client_for(admin).post(reverse(name, args=args)).status_code == 405


@pytest.mark.parametrize("name", ["sites:edit", "sites:phase", "sites:agency_add"])
def test_form_pages_refuse_other_methods(client_for, admin, site_a, name):
    assert client_for(admin).delete(reverse(name, args=[site_a.slug])).status_code == 405


def test_portfolio_requires_sign_in(client):
    response = client.get(reverse("dashboards:portfolio"))
    assert response.status_code == 302


def test_staff_see_every_site_in_portfolio(client_for, pm, site_a, site_b):
    body = client_for(pm).get(reverse("dashboards:portfolio")).content.decode()
    assert "Alphaville" in body and "Betatown" in body


def test_liaison_sees_only_their_sites_in_portfolio(client_for, liaison_b, site_a, site_b):
    body = client_for(liaison_b).get(reverse("dashboards:portfolio")).content.decode()
    assert "Betatown" in body
    assert "Alphaville" not in body


def test_outsider_sees_an_empty_portfolio(client_for, outsider, site_a):
    body = client_for(outsider).get(reverse("dashboards:portfolio")).content.decode()
    assert "Alphaville" not in body
    assert "0 sites" in body


def test_partner_sees_no_edit_controls(client_for, partner_a, site_a):
    body = client_for(partner_a).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    assert "Edit profile" not in body
    assert "Change phase" not in body


def test_partner_cannot_post_profile_changes(client_for, partner_a, site_a):
    response = client_for(partner_a).post(
        reverse("sites:edit", args=[site_a.slug]), {"summary": "hacked"}
    )
    assert response.status_code == 403
    site_a.refresh_from_db()
    assert site_a.summary != "hacked"


def test_deactivated_user_loses_access_immediately(client_for, liaison_a, site_a):
    c = client_for(liaison_a)
    assert c.get(reverse("sites:detail", args=[site_a.slug])).status_code == 200
    liaison_a.is_active = False
    liaison_a.save()
    response = c.get(reverse("sites:detail", args=[site_a.slug]))
    assert response.status_code == 302  # signed out: back to sign-in


def test_alumni_site_is_read_only_even_for_its_liaison(client_for, liaison_a, site_a):
    site_a.phase = "alumni"
    site_a.save()
    c = client_for(liaison_a)
    assert c.get(reverse("sites:detail", args=[site_a.slug])).status_code == 200
    assert c.get(reverse("sites:edit", args=[site_a.slug])).status_code == 403


def test_change_history_is_visible_to_staff_only(client_for, auditor, partner_a, site_a):
    url = reverse("sites:detail", args=[site_a.slug])
    assert "Change history" in client_for(auditor).get(url).content.decode()
    assert "Change history" not in client_for(partner_a).get(url).content.decode()


def test_scoped_querysets_follow_site_access(liaison_b, site_a, site_b):
    from sites.models import Agency, Contact
    from tests.factories import AgencyFactory, ContactFactory

    ContactFactory(agency=AgencyFactory(site=site_a))
    ContactFactory(agency=AgencyFactory(site=site_b))
    assert set(Agency.objects.for_user(liaison_b).values_list("site", flat=True)) == {site_b.pk}
    assert set(Contact.objects.for_user(liaison_b).values_list("agency__site", flat=True)) == {
        site_b.pk
    }
