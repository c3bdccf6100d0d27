"""The flows liaisons, partners and BJA staff go through, via the test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import ActionItem, Activity, Milestone, TARequest
from tests.engagements.factories import ActivityFactory, PeerExchangeFactory, area
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def form_data(work, **overrides):
    data = {
        "kind": "case_review",
        "date": timezone.localdate().isoformat(),
        "duration_hours": "2",
        "mode": "hybrid",
        "core_areas": [area("gun_violence").pk, area("federal_partnerships").pk],
        "engagement": work["engagement"].pk,
        "agencies": [work["atf"].pk],
        "participants_count": "12",
        "audience": "WPD, ATF",
        "summary": "Biweekly shooting review with ATF.",
        "next_steps": "Follow up on NIBIN leads.",
    }
    data.update(overrides)
    return data


def test_log_form_defaults_to_today_and_remembers_last_kind_and_site(
    client_for, liaison_a, site_a, work_a
):
    c = client_for(liaison_a)
    url = reverse("engagements:activity_log", args=[site_a.slug])
    form = c.get(url).context["form"]
    assert form.initial["date"] == timezone.localdate()
    response = c.post(url, form_data(work_a))
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:timeline", args=[site_a.slug])
    assert c.get(url).context["form"].initial["kind"] == "case_review"
    # "Log activity" from anywhere opens the last site used.
    start = c.get(reverse("engagements:activity_log_start"))
    assert start["Location"] == url


def test_logged_activity_shows_on_the_timeline_at_once(client_for, liaison_a, site_a, work_a):
    c = client_for(liaison_a)
    c.post(
        reverse("engagements:activity_log", args=[site_a.slug]),
        form_data(work_a, summary="Reviewed 9 shootings with ATF."),
    )
    body = c.get(reverse("engagements:timeline", args=[site_a.slug])).content.decode()
    assert "Reviewed 9 shootings with ATF." in body
    assert "ATF Kansas City Field Division" in body
    assert "Federal partnerships" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date": "2099-01-01"}, "date", "more than 30 days ahead"),
        ({"duration_hours": "0"}, "duration_hours", "more than 0 hours"),
        ({"duration_hours": "30"}, "duration_hours", "24 hours per day"),
        ({"core_areas": []}, "core_areas", "at least one core area"),
    ],
)
def test_bad_activity_input_gives_a_field_error_and_saves_nothing(
    client_for, liaison_a, site_a, work_a, overrides, field, message
):
    response = client_for(liaison_a).post(
        reverse("engagements:activity_log", args=[site_a.slug]), form_data(work_a, **overrides)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert Activity.objects.count() == 1  # only the fixture's


def test_liaison_cannot_link_another_sites_agency_or_engagement(
    client_for, liaison_a, site_a, site_b, work_a
):
    from tests.engagements.factories import EngagementFactory

    foreign_agency = AgencyFactory(site=site_b, name="Betatown PD")
    foreign_engagement = EngagementFactory(site=site_b)
    response = client_for(liaison_a).post(
        reverse("engagements:activity_log", args=[site_a.slug]),
        form_data(work_a, agencies=[foreign_agency.pk], engagement=foreign_engagement.pk),
    )
    errors = response.context["form"].errors
    assert "agencies" in errors and "engagement" in errors
    assert not Activity.objects.filter(agencies=foreign_agency).exists()


def test_liaison_cannot_log_for_another_site(client_for, liaison_a, site_b, work_a):
    response = client_for(liaison_a).post(
        reverse("engagements:activity_log", args=[site_b.slug]), form_data(work_a)
    )
    assert response.status_code == 404
    assert not Activity.objects.filter(site=site_b).exists()


def test_log_again_is_one_click(client_for, liaison_a, site_a, work_a):
    original = work_a["activity"]
    response = client_for(liaison_a).post(
        reverse("engagements:activity_again", args=[original.pk]),
        {"token": "5b0c1c1e-8d5e-4a8e-9f55-6f1f1d1d0a01"},
    )
    assert response.status_code == 302
    copy = Activity.objects.exclude(pk=original.pk).get()
    assert copy.date == timezone.localdate()
    assert copy.summary == original.summary
    assert list(copy.agencies.all()) == [work_a["atf"]]


def test_edit_activity_saves_changes(client_for, liaison_a, work_a):
    activity = work_a["activity"]
    url = reverse("engagements:activity_edit", args=[activity.pk])
    response = client_for(liaison_a).post(
        url, form_data(work_a, date="2026-03-04", summary="Corrected.")
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.summary == "Corrected."


def test_inline_status_update_returns_the_row_for_htmx(client_for, liaison_a, work_a):
    item = work_a["item"]
    response = client_for(liaison_a).post(
        reverse("engagements:action_item_status", args=[item.pk]),
        {"status": "complete"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="action-item-{item.pk}"')
    assert "Saved: Complete" in body
    item.refresh_from_db()
    assert item.status == "complete" and item.completed_on == timezone.localdate()


def test_inline_forms_target_their_own_rows_once_ids_reach_four_digits(
    client_for, liaison_a, site_a, work_a
):
    """Ids are printed as digits only. "#action-item-1,234,567" is no CSS selector: htmx threw
    in the browser and the Update button sent nothing (PostgreSQL sequences pass 1,000 soon)."""
    ActionItem.objects.filter(pk=work_a["item"].pk).update(id=1_234_567)
    Milestone.objects.filter(pk=work_a["milestone"].pk).update(id=2_345_678)
    c = client_for(liaison_a)
    text = c.get(reverse("engagements:plan", args=[site_a.slug])).content.decode()
    assert '<tr id="action-item-1234567">' in text
    assert 'hx-target="#action-item-1234567"' in text
    assert 'for="status-1234567"' in text and 'id="status-1234567"' in text
    assert '<tr id="milestone-2345678">' in text
    assert 'hx-target="#milestone-2345678"' in text
    assert "1,234,567" not in text and "2,345,678" not in text
    row = c.post(
        reverse("engagements:action_item_status", args=[1_234_567]),
        {"status": "complete"},
        HTTP_HX_REQUEST="true",
    )
    assert row.content.decode().strip().startswith('<tr id="action-item-1234567">')


def test_activity_counts_keep_their_thousands_separator(client_for, liaison_a, site_a, work_a):
    proto = work_a["activity"]
    Activity.objects.bulk_create(
        Activity(
            site=site_a,
            kind=proto.kind,
            date=proto.date,
            duration_hours=proto.duration_hours,
            mode=proto.mode,
            summary=f"Session {i}",
        )
        for i in range(1_233)
    )
    text = client_for(liaison_a).get(reverse("engagements:timeline", args=[site_a.slug]))
    assert "1,234 activities logged" in text.content.decode()


def test_inline_status_update_without_js_redirects_back_safely(
    client_for, liaison_a, site_a, work_a
):
    item = work_a["item"]
    response = client_for(liaison_a).post(
        reverse("engagements:action_item_status", args=[item.pk]),
        {"status": "lagging", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("engagements:plan", args=[site_a.slug])
    assert ActionItem.objects.get(pk=item.pk).status == "lagging"


def test_overdue_items_and_milestones_are_flagged_in_words(client_for, liaison_a, site_a, work_a):
    ActionItem.objects.filter(pk=work_a["item"].pk).update(due_on=dt.date(2020, 1, 1))
    work_a["milestone"].due_on = dt.date(2020, 1, 1)
    work_a["milestone"].save()
    body = client_for(liaison_a).get(reverse("engagements:plan", args=[site_a.slug])).content
    assert body.decode().count(">Overdue<") == 2
    site_page = client_for(liaison_a).get(reverse("sites:detail", args=[site_a.slug])).content
    assert "Overdue milestone" in site_page.decode()


def test_plan_shows_engagement_goal_lead_recommendations_and_items(
    client_for, partner_a, site_a, work_a
):
    body = client_for(partner_a).get(reverse("engagements:plan", args=[site_a.slug])).content
    text = body.decode()
    assert "Reduce shootings." in text
    assert "Hold a biweekly shooting review." in text
    assert work_a["item"].title in text
    assert "On target" in text


def test_ta_request_flow_through_the_pages(client_for, partner_a, pm, liaison_a, site_a, work_a):
    c = client_for(partner_a)
    c.post(
        reverse("engagements:ta_request_new", args=[site_a.slug]),
        {"core_area": area("technology").pk, "need": "Help with a records system."},
    )
    ta = TARequest.objects.get(need="Help with a records system.")
    url = reverse("engagements:ta_request_transition", args=[ta.pk])
    # A skipped step is a clear field error, not a crash.
    response = client_for(pm).post(url, {"to_status": "approved"})
    assert response.status_code == 200
    assert "the next step is under review" in response.context["form"].errors["to_status"][0]
    client_for(pm).post(url, {"to_status": "under_review"})
    response = client_for(pm).post(url, {"to_status": "declined"})
    assert "reason for declining" in " ".join(response.context["form"].errors["note"])
    client_for(pm).post(url, {"to_status": "approved", "note": "Fits the plan."})
    assert client_for(liaison_a).post(url, {"to_status": "scheduled"}).status_code == 200
    client_for(liaison_a).post(url, {"to_status": "scheduled", "scheduled_for": "2026-12-10"})
    client_for(liaison_a).post(url, {"to_status": "delivered", "activity": work_a["activity"].pk})
    ta.refresh_from_db()
    assert ta.status == "delivered" and ta.delivered_by == work_a["activity"]
    # The requester sees status and history.
    body = c.get(reverse("engagements:ta_request", args=[ta.pk])).content.decode()
    assert "Delivered" in body and "Fits the plan." in body and body.count("→") == 5


def test_peer_exchange_appears_on_both_timelines(client_for, admin, site_a, site_b):
    c = client_for(admin)
    response = c.post(
        reverse("engagements:peer_exchange_new", args=[site_a.slug]),
        {
            "role": "visiting",
            "other_site": site_b.pk,
            "topic": "CompStat meetings",
            "date": "2026-10-01",
            "core_areas": [area("crime_analysis").pk],
        },
    )
    assert response.status_code == 302
    for site in (site_a, site_b):
        body = c.get(reverse("engagements:timeline", args=[site.slug])).content.decode()
        assert "Alphaville visited Betatown: CompStat meetings" in body
        assert "Follow-up due Dec 30, 2026" in body


def test_liaison_can_pick_any_program_site_and_sees_it_named_without_a_link(
    client_for, liaison_a, site_a, site_b
):
    """Issue 16: the other-site picker offers every site; a site the liaison cannot open is
    named as plain text, never as a link that would answer 404."""
    c = client_for(liaison_a)
    url = reverse("engagements:peer_exchange_new", args=[site_a.slug])
    assert "Betatown, FL" in c.get(url).content.decode()
    response = c.post(
        url,
        {
            "role": "host",
            "other_site": site_b.pk,
            "topic": "Gun crime intelligence center",
            "date": "2026-10-01",
            "core_areas": [area("crime_analysis").pk],
        },
    )
    assert response.status_code == 302
    body = c.get(response["Location"]).content.decode()
    assert "Betatown, FL" in body
    assert reverse("engagements:timeline", args=[site_b.slug]) not in body
    assert reverse("engagements:timeline", args=[site_a.slug]) in body


def test_my_work_lists_sites_week_overdue_and_open_requests(client_for, liaison_a, site_a, work_a):
    today = timezone.localdate()
    ActivityFactory(site=site_a, date=today, summary="This week's shooting review")
    ActivityFactory(site=site_a, date=today - dt.timedelta(days=30), summary="Old visit")
    ActionItem.objects.filter(pk=work_a["item"].pk).update(due_on=dt.date(2020, 1, 1))
    PeerExchangeFactory(
        host_site=site_a,
        visiting_site=work_a["exchange"].host_site,
        topic="Old exchange",
        date=dt.date(2020, 1, 1),
        follow_up_due=dt.date(2020, 3, 31),
    )
    body = client_for(liaison_a).get(reverse("engagements:my_work")).content.decode()
    assert "Alphaville" in body
    assert "This week&#x27;s shooting review" in body and "Old visit" not in body
    assert work_a["item"].title in body
    assert f"#{work_a['ta'].pk}" in body
    assert "Peer exchange follow-up: Old exchange" in body


def test_activity_list_filters_sorts_and_pages(client_for, pm, site_a, site_b, work_a):
    ActivityFactory(site=site_b, kind="training", summary="Betatown training")
    c = client_for(pm)
    url = reverse("engagements:activities")
    assert c.get(url).context["page"].paginator.count == 2
    assert c.get(url, {"site": site_b.slug}).context["page"].paginator.count == 1
    assert c.get(url, {"agency": work_a["atf"].pk}).context["page"].paginator.count == 1
    assert c.get(url, {"kind": "training"}).context["page"].paginator.count == 1
    assert c.get(url, {"core_area": area("technology").pk}).context["page"].paginator.count == 0
    assert (
        c.get(url, {"person": work_a["activity"].logged_by_id}).context["page"].paginator.count == 1
    )
    assert c.get(url, {"date_from": "2026-03-05"}).context["page"].paginator.count == 0
    rows = list(c.get(url, {"sort": "site"}).context["page"])
    assert [a.site.name for a in rows] == ["Alphaville", "Betatown"]
    bad = c.get(url, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert bad.context["page"] is None and "date_to" in bad.context["form"].errors


def test_activity_list_is_scoped_and_other_sites_filter_is_not_found(
    client_for, liaison_b, site_a, site_b, work_a
):
    ActivityFactory(site=site_b)
    c = client_for(liaison_b)
    page = c.get(reverse("engagements:activities")).context["page"]
    assert {a.site_id for a in page} == {site_b.pk}
    assert c.get(reverse("engagements:activities"), {"site": site_a.slug}).status_code == 404
    assert c.get(reverse("engagements:export_csv"), {"site": site_a.slug}).status_code == 404
    assert c.get(reverse("engagements:export_xlsx"), {"site": site_a.slug}).status_code == 404
    assert c.get(reverse("engagements:export_csv"), {"agency": work_a["atf"].pk}).status_code == 400
