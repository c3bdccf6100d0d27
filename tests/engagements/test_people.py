"""Issue 16: an administrator gives people site roles, takes them away and hands a departing
liaison's whole portfolio to someone else in one step, seeing first what moves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagements import services
from engagements.models import ActionItem, Engagement, PeerExchange, TARequest
from sites.models import SiteMembership
from sites.permissions import SiteAction, can
from tests.engagements.factories import (
    ActionItemFactory,
    EngagementFactory,
    PeerExchangeFactory,
    TARequestFactory,
    area,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def sites_url(person):
    return reverse("engagements:person_sites", args=[person.pk])


def reassign_url(person):
    return reverse("engagements:person_reassign", args=[person.pk])


@pytest.fixture
def successor(db):
    return UserFactory(email="sam@example.gov", full_name="Sam Successor")


@pytest.fixture
def portfolio(site_a, site_b, site_c, liaison_a, partner_a):
    """Lee (liaison_a) also looks after site_c; work of Lee's at both, and of others."""
    MembershipFactory(user=liaison_a, site=site_c, role="liaison")
    lead = EngagementFactory(site=site_a, core_area=area("gun_violence"), lead=liaison_a)
    other = EngagementFactory(site=site_c, core_area=area("technology"), lead=None)
    return {
        "lead": lead,
        "mine": ActionItemFactory(engagement=lead, owner="Lee Liaison", status="lagging"),
        "done": ActionItemFactory(
            engagement=lead, owner="Lee Liaison", status="complete", completed_on="2025-01-02"
        ),
        "theirs": ActionItemFactory(engagement=other, owner="Chief of Police"),
        "request": TARequestFactory(site=site_c, requested_by=liaison_a),
        "their_request": TARequestFactory(site=site_a, requested_by=partner_a),
        "follow_up": PeerExchangeFactory(
            host_site=site_b, visiting_site=site_a, recorded_by=liaison_a
        ),
        "elsewhere": EngagementFactory(site=site_b, core_area=area("gun_violence"), lead=None),
    }


def test_the_preview_lists_what_moves_and_changes_nothing(
    client_for, admin, liaison_a, successor, portfolio
):
    response = client_for(admin).get(reassign_url(liaison_a), {"to_user": successor.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2</strong> sites as liaison: Alphaville, Gammaburg" in page
    assert "<strong>1</strong> open action item they own" in page
    assert "<strong>1</strong> open TA request they submitted" in page
    assert "<strong>1</strong> peer-exchange follow-up waiting on them" in page
    assert SiteMembership.objects.filter(user=liaison_a).count() == 2
    assert not SiteMembership.objects.filter(user=successor).exists()


def test_reassigning_moves_every_site_and_open_item_in_one_step(
    client_for, admin, liaison_a, successor, portfolio, site_a, site_c
):
    response = client_for(admin).post(reassign_url(liaison_a), {"to_user": successor.pk})
    assert response.status_code == 302
    assert set(
        SiteMembership.objects.filter(user=successor, role="liaison").values_list(
            "site__slug", flat=True
        )
    ) == {"alphaville", "gammaburg"}
    assert not SiteMembership.objects.filter(user=liaison_a).exists()
    assert Engagement.objects.get(pk=portfolio["lead"].pk).lead == successor
    assert ActionItem.objects.get(pk=portfolio["mine"].pk).owner == "Sam Successor"
    # Completed work keeps its owner; other people's items stay theirs.
    assert ActionItem.objects.get(pk=portfolio["done"].pk).owner == "Lee Liaison"
    assert ActionItem.objects.get(pk=portfolio["theirs"].pk).owner == "Chief of Police"
    assert TARequest.objects.get(pk=portfolio["request"].pk).requested_by == successor
    assert TARequest.objects.get(pk=portfolio["their_request"].pk).requested_by != successor
    assert PeerExchange.objects.get(pk=portfolio["follow_up"].pk).recorded_by == successor
    # The change applies at the next request: the successor can now log work, Lee cannot.
    assert can(UserFactory._meta.model.objects.get(pk=successor.pk), site_c, SiteAction.LOG_WORK)
    lee = UserFactory._meta.model.objects.get(pk=liaison_a.pk)
    assert not can(lee, site_a, SiteAction.VIEW)
    # History keeps who did it.
    removed = SiteMembership.history.filter(user_id=liaison_a.pk, history_type="-")
    assert {r.history_user for r in removed} == {admin}
    assert all(r.history_change_reason == "Reassigned to Sam Successor." for r in removed)


def test_a_reassignment_that_fails_midway_leaves_everything_as_it_was(
    admin, liaison_a, partner_a, portfolio
):
    """partner_a (read-only) may not take the sites unconfirmed: nothing at all moves."""
    with pytest.raises(ValidationError, match="read-only site partner"):
        services.liaison_reassign(from_user=liaison_a, to_user=partner_a, acting_user=admin)
    assert SiteMembership.objects.filter(user=liaison_a, role="liaison").count() == 2
    assert Engagement.objects.get(pk=portfolio["lead"].pk).lead == liaison_a
    assert ActionItem.objects.get(pk=portfolio["mine"].pk).owner == "Lee Liaison"


def test_handing_sites_to_a_partner_needs_the_confirmation_and_records_it(
    client_for, admin, liaison_a, partner_a, portfolio
):
    client = client_for(admin)
    refused = client.post(reassign_url(liaison_a), {"to_user": partner_a.pk})
    assert refused.status_code == 200
    assert "read-only site partner" in refused.content.decode()
    done = client.post(
        reassign_url(liaison_a), {"to_user": partner_a.pk, "confirm_role_change": "on"}
    )
    assert done.status_code == 302
    added = SiteMembership.history.filter(user_id=partner_a.pk, role="liaison", history_type="+")
    assert added.count() == 2
    assert all(r.history_change_reason.startswith("Writing role confirmed") for r in added)


def test_nobody_to_reassign_from_says_so(admin, outsider, successor):
    with pytest.raises(ValidationError, match="liaison of no site"):
        services.liaison_reassign(from_user=outsider, to_user=successor, acting_user=admin)


def test_the_person_page_adds_a_site_role_that_applies_at_the_next_request(
    client_for, admin, outsider, site_b
):
    outsider_client = client_for(outsider)
    assert outsider_client.get(site_b.get_absolute_url()).status_code == 404
    response = client_for(admin).post(sites_url(outsider), {"site": site_b.pk, "role": "liaison"})
    assert response.status_code == 302
    # Same session, not signed out, and the site is there now.
    assert outsider_client.get(site_b.get_absolute_url()).status_code == 200
    record = SiteMembership.history.get(user_id=outsider.pk)
    assert record.history_user == admin


def test_the_person_page_changes_a_role_and_removes_a_site(client_for, admin, liaison_a, site_a):
    client = client_for(admin)
    client.post(sites_url(liaison_a), {"site": site_a.pk, "role": "partner"})
    assert list(SiteMembership.objects.filter(user=liaison_a).values_list("role", flat=True)) == [
        "partner"
    ]
    remove = reverse("engagements:person_site_remove", args=[liaison_a.pk, site_a.pk])
    assert client.post(remove).status_code == 302
    assert not SiteMembership.objects.filter(user=liaison_a).exists()
    page = client.get(sites_url(liaison_a)).content.decode()
    assert "Removed: Site partner (read-only) at Alphaville" in page


def test_the_person_page_refuses_making_a_partner_a_liaison_unless_confirmed(
    client_for, admin, partner_a, site_b
):
    client = client_for(admin)
    refused = client.post(sites_url(partner_a), {"site": site_b.pk, "role": "liaison"})
    assert refused.status_code == 200
    assert "Confirm the role change" in refused.content.decode()
    assert not SiteMembership.objects.filter(user=partner_a, site=site_b).exists()
    client.post(
        sites_url(partner_a), {"site": site_b.pk, "role": "liaison", "confirm_role_change": "on"}
    )
    assert SiteMembership.objects.filter(user=partner_a, site=site_b, role="liaison").exists()


@pytest.mark.parametrize("role", ["pm", "auditor", "liaison_a", "partner_a", "outsider"])
def test_only_administrators_manage_people(cast, client_for, role, liaison_a, site_b):
    client = client_for(cast[role])
    assert client.get(sites_url(liaison_a)).status_code == 403
    assert (
        client.post(sites_url(liaison_a), {"site": site_b.pk, "role": "liaison"}).status_code == 403
    )
    assert client.get(reassign_url(liaison_a)).status_code == 403
    remove = reverse("engagements:person_site_remove", args=[liaison_a.pk, site_b.pk])
    assert client.post(remove).status_code == 403
    assert client.get(remove).status_code == 405
