"""Where each role lands after signing in (issue 17), and that nobody is offered an action their
role cannot take."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import MembershipFactory, SiteFactory, UserFactory

HOME = reverse("home")


def landing(client_for, user) -> str:
    return client_for(user).get(HOME)["Location"]


def test_staff_wide_roles_land_on_the_portfolio(client_for, admin, pm, auditor):
    for user in (admin, pm, auditor):
        assert landing(client_for, user) == reverse("dashboards:portfolio")


def test_a_person_with_one_site_lands_on_it_and_with_several_on_my_work(
    client_for, liaison_a, site_b
):
    assert landing(client_for, liaison_a) == reverse("sites:detail", args=["alphaville"])
    MembershipFactory(user=liaison_a, site=site_b, role="liaison")
    assert landing(client_for, liaison_a) == reverse("engagements:my_work")


def test_a_partner_lands_on_their_site(client_for, site_a):
    partner = UserFactory(email="partner@example.gov")
    MembershipFactory(user=partner, site=site_a, role="partner")
    assert landing(client_for, partner) == reverse("sites:detail", args=["alphaville"])


def test_a_person_without_sites_lands_on_the_empty_portfolio(db, client_for):
    nobody = UserFactory(email="nobody@example.gov")
    assert landing(client_for, nobody) == reverse("dashboards:portfolio")


def test_log_activity_is_offered_only_to_roles_that_can_log(client_for, liaison_a, auditor, site_a):
    partner = UserFactory(email="partner@example.gov")
    MembershipFactory(user=partner, site=site_a, role="partner")
    my_work = reverse("engagements:my_work")
    log_start = reverse("engagements:activity_log_start")
    assert log_start in client_for(liaison_a).get(my_work).content.decode()
    for reader in (auditor, partner):
        assert log_start not in client_for(reader).get(my_work).content.decode()


def test_a_liaison_of_only_a_completed_site_is_not_offered_log_activity(db, client_for):
    alumni = SiteFactory(name="Oldtown", slug="oldtown", phase="alumni")
    liaison = UserFactory(email="old.liaison@example.gov")
    MembershipFactory(user=liaison, site=alumni, role="liaison")
    body = client_for(liaison).get(reverse("engagements:my_work")).content.decode()
    assert reverse("engagements:activity_log_start") not in body
