"""Services of the engagements app: validation, constraints, history, workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements import services
from engagements.models import ActionItem, Activity, PeerExchange, TARequest
from tests.engagements.factories import (
    ActivityFactory,
    EngagementFactory,
    MilestoneFactory,
    TARequestFactory,
    area,
)
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def log(site, user, **overrides):
    data = dict(
        site=site,
        acting_user=user,
        kind="case_review",
        duration_hours=Decimal("2"),
        mode="hybrid",
        core_areas=[area("gun_violence"), area("federal_partnerships")],
        summary="Biweekly shooting review with ATF.",
    )
    data.update(overrides)
    return services.activity_log(**data)


def test_activity_log_records_everything_and_who_logged_it(site_a, liaison_a, work_a):
    activity = log(
        site_a,
        liaison_a,
        agencies=[work_a["atf"], work_a["police"]],
        engagement=work_a["engagement"],
        participants_count=14,
    )
    assert activity.date == timezone.localdate()
    assert activity.logged_by == liaison_a
    assert {c.code for c in activity.core_areas.all()} == {"gun_violence", "federal_partnerships"}
    assert set(activity.agencies.all()) == {work_a["atf"], work_a["police"]}
    record = activity.history.latest()
    assert record.history_user == liaison_a
    assert {a.corearea_id for a in record.core_areas.all()} == {
        area("gun_violence").pk,
        area("federal_partnerships").pk,
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": dt.date.today() + dt.timedelta(days=31)}, "date"),
        ({"duration_hours": Decimal("0")}, "duration_hours"),
        ({"duration_hours": Decimal("-1")}, "duration_hours"),
        ({"duration_hours": Decimal("24.5")}, "duration_hours"),
        ({"core_areas": []}, "core_areas"),
    ],
)
def test_activity_log_refuses_implausible_values_and_saves_nothing(
    site_a, liaison_a, overrides, field
):
    with pytest.raises(ValidationError) as exc:
        log(site_a, liaison_a, **overrides)
    assert field in exc.value.message_dict
    assert Activity.objects.count() == 0


def test_duration_may_reach_24_hours_per_day_over_several_days(site_a, liaison_a):
    today = timezone.localdate()
    activity = log(
        site_a,
        liaison_a,
        date=today - dt.timedelta(days=2),
        end_date=today,
        duration_hours=Decimal("40"),
    )
    assert activity.days == 3
    with pytest.raises(ValidationError, match="24 hours per day"):
        log(site_a, liaison_a, date=today, end_date=today, duration_hours=Decimal("25"))


def test_an_activity_may_be_dated_up_to_30_days_ahead(site_a, liaison_a):
    log(site_a, liaison_a, date=timezone.localdate() + dt.timedelta(days=30))
    assert Activity.objects.count() == 1


def test_activity_log_refuses_another_sites_engagement_agency_or_milestone(
    site_a, site_b, liaison_a
):
    other_engagement = EngagementFactory(site=site_b)
    other_agency = AgencyFactory(site=site_b, name="Betatown PD")
    other_milestone = MilestoneFactory(site=site_b)
    with pytest.raises(ValidationError) as exc:
        log(
            site_a,
            liaison_a,
            engagement=other_engagement,
            agencies=[other_agency],
            milestones=[other_milestone],
        )
    errors = exc.value.message_dict
    assert "Betatown PD" in errors["agencies"][0]
    assert "engagement" in errors and "milestones" in errors
    assert Activity.objects.count() == 0


def test_database_refuses_a_zero_duration_even_without_the_service(site_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            site=site_a, kind="training", duration_hours=0, mode="onsite", summary="x"
        )


def test_log_again_copies_with_todays_date_but_not_milestones(site_a, liaison_a, work_a):
    original = log(
        site_a,
        liaison_a,
        date=dt.date(2026, 1, 5),
        agencies=[work_a["atf"]],
        milestones=[work_a["milestone"]],
    )
    copy, created = services.activity_log_again(activity=original, acting_user=liaison_a)
    assert created
    assert copy.pk != original.pk
    assert copy.date == timezone.localdate()
    assert copy.summary == original.summary
    assert list(copy.agencies.all()) == [work_a["atf"]]
    assert set(copy.core_areas.all()) == set(original.core_areas.all())
    assert copy.milestones.count() == 0


def test_activity_update_keeps_history_of_the_change(site_a, liaison_a, pm):
    activity = log(site_a, liaison_a)
    services.activity_update(
        activity=activity, acting_user=pm, changes={"summary": "Corrected summary."}
    )
    latest = activity.history.latest()
    assert latest.history_user == pm
    diff = latest.diff_against(latest.prev_record)
    assert [c.field for c in diff.changes] == ["summary"]


def test_completing_an_action_item_records_the_day_and_reopening_clears_it(work_a, liaison_a):
    item = services.action_item_update_status(
        item=work_a["item"], acting_user=liaison_a, status="complete"
    )
    assert item.completed_on == timezone.localdate()
    item = services.action_item_update_status(item=item, acting_user=liaison_a, status="lagging")
    assert item.completed_on is None
    assert item.history.count() == 3
    with pytest.raises(ValidationError):
        services.action_item_update_status(item=item, acting_user=liaison_a, status="done-ish")


def test_database_keeps_completion_date_and_status_consistent(work_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=work_a["item"].pk).update(status="complete")


def test_action_item_cannot_answer_another_engagements_recommendation(site_a, liaison_a, work_a):
    other = EngagementFactory(site=site_a, core_area=area("technology"))
    with pytest.raises(ValidationError, match="recommendation of this engagement"):
        services.action_item_add(
            engagement=other,
            acting_user=liaison_a,
            title="x",
            recommendation=work_a["recommendation"],
        )


def test_recommendations_are_numbered_in_order(work_a, liaison_a):
    engagement = work_a["engagement"]
    second = services.recommendation_add(engagement=engagement, acting_user=liaison_a, text="B")
    third = services.recommendation_add(engagement=engagement, acting_user=liaison_a, text="C")
    assert (second.number, third.number) == (2, 3)
    with pytest.raises(ValidationError, match="already exists"):
        services.recommendation_add(
            engagement=engagement, acting_user=liaison_a, text="D", number=2
        )


def test_engagement_ensure_does_not_duplicate(site_a, liaison_a):
    first, created = services.engagement_ensure(
        site=site_a, core_area=area("technology"), acting_user=liaison_a
    )
    again, created_again = services.engagement_ensure(
        site=site_a, core_area=area("technology"), acting_user=liaison_a, goal="ignored"
    )
    assert created and not created_again and first.pk == again.pk


def test_ta_request_walks_every_step_with_history(site_a, partner_a, pm, liaison_a):
    ta = services.ta_request_submit(
        site=site_a, acting_user=partner_a, core_area=area("technology"), need="RMS help"
    )
    services.ta_request_transition(request=ta, acting_user=pm, to_status="under_review")
    services.ta_request_transition(
        request=ta, acting_user=pm, to_status="approved", note="Fits the plan."
    )
    services.ta_request_transition(
        request=ta,
        acting_user=liaison_a,
        to_status="scheduled",
        scheduled_for=dt.date(2026, 12, 10),
    )
    activity = ActivityFactory(site=site_a)
    ta = services.ta_request_transition(
        request=ta, acting_user=liaison_a, to_status="delivered", activity=activity
    )
    assert ta.status == "delivered" and ta.delivered_by == activity
    assert ta.decided_by == pm and ta.decision_note == "Fits the plan."
    steps = [(e.from_status, e.to_status, e.actor) for e in ta.events.all()]
    assert steps == [
        ("", "submitted", partner_a),
        ("submitted", "under_review", pm),
        ("under_review", "approved", pm),
        ("approved", "scheduled", liaison_a),
        ("scheduled", "delivered", liaison_a),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("submitted", "approved"),
        ("submitted", "delivered"),
        ("under_review", "scheduled"),
        ("approved", "delivered"),
        ("declined", "approved"),
        ("delivered", "submitted"),
    ],
)
def test_ta_request_transition_that_skips_a_step_is_refused(site_a, pm, start, target):
    delivered_by = ActivityFactory(site=site_a) if start == "delivered" else None
    ta = TARequestFactory(
        site=site_a, status=start, scheduled_for=dt.date(2026, 1, 1), delivered_by=delivered_by
    )
    with pytest.raises(ValidationError) as exc:
        services.ta_request_transition(
            request=ta,
            acting_user=pm,
            to_status=target,
            scheduled_for=dt.date(2026, 1, 1),
            activity=ActivityFactory(site=site_a),
        )
    assert "to_status" in exc.value.message_dict
    ta.refresh_from_db()
    assert ta.status == start
    assert ta.events.count() == 1


def test_declining_needs_a_note_and_delivering_needs_an_activity_of_the_site(
    site_a, site_b, pm, liaison_a
):
    ta = TARequestFactory(site=site_a, status="under_review")
    with pytest.raises(ValidationError, match="reason for declining"):
        services.ta_request_transition(request=ta, acting_user=pm, to_status="declined", note=" ")
    scheduled = TARequestFactory(site=site_a, status="scheduled", scheduled_for=dt.date.today())
    with pytest.raises(ValidationError, match="Alphaville"):
        services.ta_request_transition(
            request=scheduled,
            acting_user=liaison_a,
            to_status="delivered",
            activity=ActivityFactory(site=site_b),
        )
    with pytest.raises(ValidationError, match="date the TA is scheduled"):
        approved = TARequestFactory(site=site_a, status="approved")
        services.ta_request_transition(
            request=approved, acting_user=liaison_a, to_status="scheduled", scheduled_for=None
        )


def test_peer_exchange_follow_up_falls_due_90_days_later(site_a, site_b, liaison_a):
    exchange = services.peer_exchange_record(
        host_site=site_b,
        visiting_site=site_a,
        topic="CompStat",
        date=dt.date(2026, 3, 1),
        core_areas=[area("crime_analysis")],
        acting_user=liaison_a,
    )
    assert exchange.follow_up_due == dt.date(2026, 5, 30)
    assert exchange.practice_adopted == "unknown"
    assert list(PeerExchange.objects.for_site(site_b)) == [exchange]
    with pytest.raises(ValidationError, match="what was"):
        services.peer_exchange_follow_up(
            exchange=exchange, acting_user=liaison_a, practice_adopted="yes"
        )


def test_peer_exchange_needs_two_different_sites(site_a, liaison_a):
    with pytest.raises(ValidationError):
        services.peer_exchange_record(
            host_site=site_a,
            visiting_site=site_a,
            topic="x",
            date=dt.date(2026, 3, 1),
            core_areas=[area("crime_analysis")],
            acting_user=liaison_a,
        )
    assert PeerExchange.objects.count() == 0


def test_milestone_cannot_be_reached_in_the_future(work_a, liaison_a):
    with pytest.raises(ValidationError):
        services.milestone_set_completed(
            milestone=work_a["milestone"],
            acting_user=liaison_a,
            completed_on=timezone.localdate() + dt.timedelta(days=1),
        )


def test_scoped_querysets_follow_site_access(liaison_b, work_a, site_b):
    from engagements.models import ActionItem, Recommendation

    ActivityFactory(site=site_b)
    assert set(Activity.objects.for_user(liaison_b).values_list("site", flat=True)) == {site_b.pk}
    assert not ActionItem.objects.for_user(liaison_b).exists()
    assert not Recommendation.objects.for_user(liaison_b).exists()
    assert not TARequest.objects.for_user(liaison_b).exists()
    assert not PeerExchange.objects.for_user(liaison_b).exists()
