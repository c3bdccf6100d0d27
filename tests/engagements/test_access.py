"""Who can reach which engagements URL (docs/design.md §3): every URL × every member of the cast.

404 for anyone who may not see the site; 403 where the role sees it but may not act; 405 for a
wrong method; anonymous users go to sign-in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from engagements.models import ActionItem, Milestone

pytestmark = pytest.mark.django_db

ROLES = ["admin", "pm", "auditor", "liaison_a", "partner_a", "liaison_b", "outsider"]

READ = dict(
    admin=200, pm=200, auditor=200, liaison_a=200, partner_a=200, liaison_b=404, outsider=404
)
WRITE = dict(
    admin=200, pm=200, auditor=403, liaison_a=200, partner_a=403, liaison_b=404, outsider=404
)
SUBMIT = dict(
    admin=200, pm=200, auditor=403, liaison_a=200, partner_a=200, liaison_b=404, outsider=404
)
EVERYONE = {role: 200 for role in ROLES}


def site_url(name):
    return lambda site, work: reverse(name, args=[site.slug])


def eng_url(name):
    return lambda site, work: reverse(name, args=[site.slug, work["engagement"].pk])


def obj_url(name, key):
    return lambda site, work: reverse(name, args=[work[key].pk])


GET_PAGES = {
    "timeline": (site_url("engagements:timeline"), READ),
    "plan": (site_url("engagements:plan"), READ),
    "ta_requests": (site_url("engagements:ta_requests"), READ),
    "engagement": (eng_url("engagements:engagement"), READ),
    "ta_request": (obj_url("engagements:ta_request", "ta"), READ),
    "peer_exchange": (obj_url("engagements:peer_exchange", "exchange"), READ),
    "activity_log": (site_url("engagements:activity_log"), WRITE),
    "activity_edit": (obj_url("engagements:activity_edit", "activity"), WRITE),
    "engagement_add": (site_url("engagements:engagement_add"), WRITE),
    "engagement_edit": (eng_url("engagements:engagement_edit"), WRITE),
    "recommendation_add": (eng_url("engagements:recommendation_add"), WRITE),
    "action_item_add": (eng_url("engagements:action_item_add"), WRITE),
    "milestone_add": (site_url("engagements:milestone_add"), WRITE),
    "peer_exchange_new": (site_url("engagements:peer_exchange_new"), WRITE),
    "ta_request_new": (site_url("engagements:ta_request_new"), SUBMIT),
    "my_work": (lambda s, w: reverse("engagements:my_work"), EVERYONE),
    "activities": (lambda s, w: reverse("engagements:activities"), EVERYONE),
    "export_csv": (lambda s, w: reverse("engagements:export_csv"), EVERYONE),
    "export_xlsx": (lambda s, w: reverse("engagements:export_xlsx"), EVERYONE),
}

# POST-only actions, with a valid body, on site_a's objects: 302 = done and redirected.
DONE = dict(
    admin=302, pm=302, auditor=403, liaison_a=302, partner_a=403, liaison_b=404, outsider=404
)
DECIDE = dict(
    admin=302, pm=302, auditor=403, liaison_a=403, partner_a=403, liaison_b=404, outsider=404
)
POST_ACTIONS = {
    "action_item_status": (
        obj_url("engagements:action_item_status", "item"),
        {"status": "complete"},
        DONE,
    ),
    "milestone_toggle": (obj_url("engagements:milestone_toggle", "milestone"), {}, DONE),
    "activity_again": (
        obj_url("engagements:activity_again", "activity"),
        {"token": "5b0c1c1e-8d5e-4a8e-9f55-6f1f1d1d0a01"},
        DONE,
    ),
    "activity_delete": (obj_url("engagements:activity_delete", "activity"), {}, DONE),
    "ta_request_transition": (
        obj_url("engagements:ta_request_transition", "ta"),
        {"to_status": "under_review"},
        DECIDE,
    ),
    "peer_exchange_follow_up": (
        obj_url("engagements:peer_exchange_follow_up", "exchange"),
        {"practice_adopted": "yes", "follow_up_note": "Adopted in two districts."},
        DONE,
    ),
}


@pytest.mark.parametrize("page", list(GET_PAGES))
def test_anonymous_is_sent_to_sign_in(client, site_a, work_a, page):
    url = GET_PAGES[page][0](site_a, work_a)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("action", list(POST_ACTIONS))
def test_anonymous_post_is_sent_to_sign_in(client, site_a, work_a, action):
    url, data, _ = POST_ACTIONS[action]
    response = client.post(url(site_a, work_a), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", list(GET_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_page_access_by_role(cast, site_a, work_a, client_for, page, role):
    url, expected = GET_PAGES[page]
    response = client_for(cast[role]).get(url(site_a, work_a))
    assert response.status_code == expected[role]


@pytest.mark.parametrize("action", list(POST_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_post_action_access_by_role(cast, site_a, work_a, client_for, action, role):
    url, data, expected = POST_ACTIONS[action]
    response = client_for(cast[role]).post(url(site_a, work_a), data)
    assert response.status_code == expected[role]


@pytest.mark.parametrize("action", list(POST_ACTIONS))
def test_post_actions_refuse_get(admin, site_a, work_a, client_for, action):
    url, _, _ = POST_ACTIONS[action]
    assert client_for(admin).get(url(site_a, work_a)).status_code == 405


@pytest.mark.parametrize(
    "page",
    [
        "timeline",
        "plan",
        "ta_requests",
        "engagement",
        "ta_request",
        "peer_exchange",
        "my_work",
        "activities",
        "export_csv",
        "export_xlsx",
    ],
)
def test_read_only_pages_refuse_post(admin, site_a, work_a, client_for, page):
    url = GET_PAGES[page][0](site_a, work_a)
    assert client_for(admin).post(url).status_code == 405


@pytest.mark.parametrize("page", [p for p, (_, exp) in GET_PAGES.items() if exp in (WRITE, SUBMIT)])
def test_form_pages_refuse_other_methods(admin, site_a, work_a, client_for, page):
    url = GET_PAGES[page][0](site_a, work_a)
    assert client_for(admin).delete(url).status_code == 405


def test_refused_post_changes_nothing(client_for, partner_a, liaison_b, site_a, work_a):
    item = work_a["item"]
    for user in (partner_a, liaison_b):
        client_for(user).post(
            reverse("engagements:action_item_status", args=[item.pk]), {"status": "complete"}
        )
        client_for(user).post(
            reverse("engagements:milestone_toggle", args=[work_a["milestone"].pk])
        )
    assert ActionItem.objects.get(pk=item.pk).status == "on_target"
    assert Milestone.objects.get(pk=work_a["milestone"].pk).completed_on is None


def test_read_only_roles_see_no_edit_controls(client_for, partner_a, auditor, site_a, work_a):
    for user in (partner_a, auditor):
        c = client_for(user)
        plan = c.get(reverse("engagements:plan", args=[site_a.slug])).content.decode()
        assert 'name="status"' not in plan and "Mark reached today" not in plan
        timeline = c.get(reverse("engagements:timeline", args=[site_a.slug])).content.decode()
        assert "Log again today" not in timeline and "Log activity" not in timeline


def test_partner_may_request_ta_but_not_decide(client_for, partner_a, site_a, work_a):
    body = (
        client_for(partner_a)
        .get(reverse("engagements:ta_request", args=[work_a["ta"].pk]))
        .content.decode()
    )
    assert "Move the request to" not in body


def test_alumni_site_refuses_new_work_even_from_its_liaison(client_for, liaison_a, site_a, work_a):
    site_a.phase = "alumni"
    site_a.save()
    c = client_for(liaison_a)
    assert c.get(reverse("engagements:timeline", args=[site_a.slug])).status_code == 200
    assert c.get(reverse("engagements:activity_log", args=[site_a.slug])).status_code == 403
    response = c.post(
        reverse("engagements:activity_again", args=[work_a["activity"].pk]),
        {"token": "5b0c1c1e-8d5e-4a8e-9f55-6f1f1d1d0a01"},
    )
    assert response.status_code == 403
    response = c.post(reverse("engagements:activity_delete", args=[work_a["activity"].pk]))
    assert response.status_code == 403


def test_peer_exchange_is_visible_from_both_sites_only(client_for, liaison_a, liaison_b, work_a):
    url = reverse("engagements:peer_exchange", args=[work_a["exchange"].pk])
    assert client_for(liaison_a).get(url).status_code == 200
    assert client_for(liaison_b).get(url).status_code == 404
