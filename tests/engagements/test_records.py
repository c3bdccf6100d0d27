"""Issue 16: every record has a page, and the chain recommendation → action item → TA request →
activity → milestone can be followed both ways; exports carry the links as ids."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagements import services
from tests.engagements.factories import (
    ActionItemFactory,
    EngagementFactory,
    MilestoneFactory,
    RecommendationFactory,
    area,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(site_a, liaison_a, pm, work_a):
    """A recommendation, its action item, a TA request serving it, delivered by an activity
    that also reached a milestone."""
    rec = work_a["recommendation"]
    item = work_a["item"]
    milestone = work_a["milestone"]
    activity = work_a["activity"]
    activity.milestones.set([milestone])
    ta = services.ta_request_submit(
        site=site_a,
        acting_user=liaison_a,
        core_area=area("gun_violence"),
        need="Help setting up shooting reviews.",
        action_item=item,
        milestone=milestone,
    )
    for step in ("under_review", "approved"):
        services.ta_request_transition(request=ta, acting_user=pm, to_status=step)
    services.ta_request_transition(
        request=ta, acting_user=liaison_a, to_status="scheduled", scheduled_for=activity.date
    )
    services.ta_request_transition(
        request=ta, acting_user=liaison_a, to_status="delivered", activity=activity
    )
    return {"rec": rec, "item": item, "ta": ta, "activity": activity, "milestone": milestone}


def page(client, name, pk):
    response = client.get(reverse(f"engagements:{name}", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def link(name, pk):
    return f'href="{reverse(f"engagements:{name}", args=[pk])}"'


def test_an_action_item_brings_its_recommendation_and_engagement_to_the_request(chain):
    ta = chain["ta"]
    assert ta.recommendation == chain["rec"]
    assert ta.engagement == chain["item"].engagement


def test_the_chain_can_be_followed_forwards_and_back(client_for, partner_a, chain):
    c = client_for(partner_a)
    rec, item, ta, activity, milestone = (
        chain[k] for k in ("rec", "item", "ta", "activity", "milestone")
    )
    # Forwards: recommendation → action item → TA request → activity.
    assert link("action_item", item.pk) in page(c, "recommendation", rec.pk)
    assert link("ta_request", ta.pk) in page(c, "action_item", item.pk)
    assert link("activity", activity.pk) in page(c, "ta_request", ta.pk)
    # Back: activity → TA request → action item → recommendation.
    on_activity = page(c, "activity", activity.pk)
    assert link("ta_request", ta.pk) in on_activity
    assert link("action_item", item.pk) in on_activity
    assert link("recommendation", rec.pk) in page(c, "ta_request", ta.pk)
    assert link("recommendation", rec.pk) in page(c, "action_item", item.pk)
    # The action item lists the activity that delivered its request; the milestone says what
    # completed it.
    assert link("activity", activity.pk) in page(c, "action_item", item.pk)
    on_milestone = page(c, "milestone", milestone.pk)
    assert link("activity", activity.pk) in on_milestone
    assert link("ta_request", ta.pk) in on_milestone


def test_a_record_with_no_links_says_none(client_for, pm, site_a):
    engagement = EngagementFactory(site=site_a, core_area=area("technology"))
    lonely = ActionItemFactory(engagement=engagement, recommendation=None)
    body = page(client_for(pm), "action_item", lonely.pk)
    assert "No recommendation" in body
    assert body.count("<li>None.</li>") == 2


@pytest.mark.parametrize("name", ["activity", "action_item", "recommendation", "milestone"])
def test_record_pages_are_not_found_for_people_who_cannot_see_the_site(
    client_for, liaison_b, outsider, chain, name
):
    key = {"action_item": "item", "recommendation": "rec"}.get(name, name)
    url = reverse(f"engagements:{name}", args=[chain[key].pk])
    assert client_for(liaison_b).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(liaison_b).post(url).status_code in (404, 405)


def test_a_deleted_activity_keeps_its_page_marked_deleted_with_undo(client_for, liaison_a, chain):
    services.activity_delete(activity=chain["activity"], acting_user=liaison_a)
    body = page(client_for(liaison_a), "activity", chain["activity"].pk)
    assert "Deleted on" in body and "Undo: restore this activity" in body
    assert "(deleted)" in page(client_for(liaison_a), "ta_request", chain["ta"].pk)


def test_a_request_cannot_serve_another_sites_records(site_a, site_b, liaison_a):
    other = EngagementFactory(site=site_b, core_area=area("technology"))
    foreign_item = ActionItemFactory(engagement=other)
    with pytest.raises(ValidationError) as caught:
        services.ta_request_submit(
            site=site_a,
            acting_user=liaison_a,
            core_area=area("technology"),
            need="x",
            action_item=foreign_item,
            milestone=MilestoneFactory(site=site_b),
        )
    assert set(caught.value.message_dict) == {"engagement", "milestone"}


def test_a_request_refuses_an_action_item_of_another_recommendation(site_a, liaison_a):
    engagement = EngagementFactory(site=site_a, core_area=area("technology"))
    one = RecommendationFactory(engagement=engagement, number=1)
    two = RecommendationFactory(engagement=engagement, number=2)
    item = ActionItemFactory(engagement=engagement, recommendation=two)
    with pytest.raises(ValidationError, match="another recommendation"):
        services.ta_request_submit(
            site=site_a,
            acting_user=liaison_a,
            core_area=area("technology"),
            need="x",
            recommendation=one,
            action_item=item,
        )


def test_the_request_form_preselects_and_saves_what_it_serves(client_for, partner_a, chain):
    c = client_for(partner_a)
    url = reverse("engagements:ta_request_new", args=["alphaville"])
    form = c.get(url, {"action_item": chain["item"].pk}).context["form"]
    assert form.initial == {"action_item": str(chain["item"].pk)}
    response = c.post(
        url,
        {
            "core_area": area("gun_violence").pk,
            "need": "More help",
            "action_item": chain["item"].pk,
        },
    )
    assert response.status_code == 302
    body = c.get(response["Location"]).content.decode()
    assert link("action_item", chain["item"].pk) in body


def test_activity_exports_carry_the_link_ids(client_for, pm, chain):
    response = client_for(pm).get(reverse("engagements:export_csv"), {"site": "alphaville"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    [row] = rows
    activity = chain["activity"]
    assert row["Activity ID"] == str(activity.pk)
    assert row["Engagement ID"] == str(activity.engagement_id)
    assert row["Milestone IDs"] == str(chain["milestone"].pk)
    assert row["TA request IDs delivered"] == str(chain["ta"].pk)
    assert row["Action item IDs served"] == str(chain["item"].pk)
