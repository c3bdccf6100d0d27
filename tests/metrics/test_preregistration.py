"""Pre-registration (issue 13, docs/metrics.md §8.5) and what onboarding sets up for the
evaluation (issue 14): every way of onboarding records the default reporting schedule and the
first pre-registration; a later change needs a reason and is kept as history; every result says
which version it was computed under; the pages by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from metrics.models import MonthlyCount, Offense, Preregistration, ReportingSchedule
from metrics.services.preregistration import pre_engagement_mde, preregistration_record
from sites.models import Site
from sites.onboarding import hooks
from sites.onboarding.bulk import parse_onboarding_csv, sites_onboard_bulk
from sites.onboarding.services import site_onboard
from tests.dashboards.factories import store
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = timezone.localdate()
NEXT_YEAR = D(TODAY.year + 1, 3, 2)
PLAN = {"primary_outcome": "violent_crime", "window_months": 24, "comparison_rule": "pre_post"}


def onboard(admin, pm, **overrides):
    params = dict(
        acting_user=admin,
        name="Springfield",
        state="MA",
        kind="city",
        cohort=CohortFactory(year=2024),
        engagement_start=NEXT_YEAR,
        program_manager=pm,
    )
    params.update(overrides)
    return site_onboard(**params)


def versions(site) -> list[tuple]:
    return list(
        Preregistration.objects.filter(site=site)
        .order_by("version")
        .values_list("version", "primary_outcome", "window_months", "comparison_rule", "reason")
    )


# --- at onboarding ----------------------------------------------------------------------------


def test_onboarding_records_the_default_schedule_and_pre_registration(admin, pm):
    site = onboard(admin, pm)
    schedule = ReportingSchedule.objects.get(site=site)
    assert schedule.due_days == 30 and not schedule.incidents_expected
    assert schedule.reporting_from is None  # the engagement's start month
    assert set(schedule.offenses.values_list("code", flat=True)) == {
        "homicide",
        "rape",
        "robbery",
        "aggravated_assault",
    }
    assert schedule.updated_by == admin
    prereg = Preregistration.objects.get(site=site)
    assert (prereg.version, prereg.primary_outcome, prereg.window_months, prereg.gap_months) == (
        1,
        "violent_crime",
        24,
        0,
    )
    assert prereg.comparison_rule == "trend_adjusted"
    assert prereg.recorded_by == admin and prereg.reason == "" and not prereg.after_start
    # No counts before a future start: the MDE is unknown and says why.
    assert prereg.mde_pct is None and "not all stored yet" in prereg.mde_basis


def test_a_cohort_csv_sets_up_every_site(admin, pm):
    from tests.factories import UserFactory

    UserFactory(email="pm@psp.example", role="bja_staff")
    UserFactory(email="liaison@psp.example")
    header = "name,state,kind,cohort,start_date,program_manager_email,liaison_email,core_areas\n"
    row = f"Springfield,MA,city,2024,{NEXT_YEAR},pm@psp.example,liaison@psp.example,Gun violence"
    data = (header + row + "\n").encode()
    report = parse_onboarding_csv(data)
    assert report.errors == []
    (site,) = sites_onboard_bulk(acting_user=admin, rows=report.rows)
    assert ReportingSchedule.objects.filter(site=site).exists()
    assert versions(site) == [(1, "violent_crime", 24, "trend_adjusted", "")]


def test_a_failing_hook_leaves_no_site_behind(admin, pm, monkeypatch):
    def refuse(site, acting_user):
        raise ValidationError("the evaluation set-up failed")

    monkeypatch.setitem(hooks._HOOKS, "test.refuse", refuse)
    with pytest.raises(ValidationError):
        onboard(admin, pm)
    assert not Site.objects.filter(name="Springfield").exists()
    assert not Preregistration.objects.exists() and not ReportingSchedule.objects.exists()


def test_metrics_registers_its_hook_from_its_app_config():
    assert "metrics.schedule_and_preregistration" in hooks.registered()


def test_the_demo_sites_are_set_up_by_onboarding(demo_seed):
    tampa = Site.objects.get(slug="tampa")
    assert Preregistration.objects.filter(site=tampa, version=1).exists()
    assert ReportingSchedule.objects.filter(site=tampa).exists()


# --- changes ----------------------------------------------------------------------------------


def test_a_change_needs_a_reason_and_keeps_the_earlier_version(admin, pm):
    site = onboard(admin, pm)
    with pytest.raises(ValidationError) as exc:
        preregistration_record(site=site, acting_user=admin, **PLAN)
    assert "reason" in exc.value.message_dict
    assert len(versions(site)) == 1
    preregistration_record(
        site=site, acting_user=pm, **PLAN, reason="Too few years of data for a trend."
    )
    assert versions(site) == [
        (1, "violent_crime", 24, "trend_adjusted", ""),
        (2, "violent_crime", 24, "pre_post", "Too few years of data for a trend."),
    ]


def test_a_change_that_changes_nothing_is_refused(admin, pm):
    site = onboard(admin, pm)
    with pytest.raises(ValidationError, match="Nothing changed"):
        preregistration_record(
            site=site,
            acting_user=admin,
            primary_outcome="violent_crime",
            window_months=24,
            comparison_rule="trend_adjusted",
            reason="No change really.",
        )
    assert len(versions(site)) == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"primary_outcome": "arson"}, "primary_outcome", "not an offense code"),
        ({"window_months": 18}, "window_months", "choose 12, 24 or 36"),
        ({"gap_months": 13}, "gap_months", "between 0 and 12"),
        ({"comparison_rule": "synthetic_control"}, "comparison_rule", "shooting incidents only"),
        ({"mde_pct": 140.0}, "mde_pct", "between 0 and 100"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(site_a, admin, change, field, words):
    with pytest.raises(ValidationError) as exc:
        preregistration_record(site=site_a, acting_user=admin, **{**PLAN, **change})
    assert words in " ".join(exc.value.message_dict[field])
    assert not Preregistration.objects.exists()


def test_the_pool_rules_accept_shooting_outcomes(site_a, admin):
    p = preregistration_record(
        site=site_a,
        acting_user=admin,
        primary_outcome="fatal_shooting_incidents",
        window_months=12,
        comparison_rule="synthetic_control",
        mde_pct=40.0,
    )
    assert (p.version, p.mde_pct, p.mde_basis) == (1, 40.0, "Entered by hand.")


def test_a_first_recording_after_the_start_says_so(site_a, admin):
    site_a.engagement_start = TODAY - dt.timedelta(days=400)
    site_a.save()
    p = preregistration_record(site=site_a, acting_user=admin, **PLAN)
    assert p.after_start


# --- the pre-engagement MDE -------------------------------------------------------------------


def _robberies(site, start: dt.date, counts: list[int]) -> None:
    robbery = Offense.objects.get(code="robbery")
    for i, n in enumerate(counts):
        idx = start.year * 12 + start.month - 1 - len(counts) + i
        month = D(idx // 12, idx % 12 + 1, 1)
        MonthlyCount.objects.create(site=site, month=month, offense=robbery, count=n, first_count=n)


def test_the_mde_follows_the_published_table(site_a):
    """§3.5's table: 100 events a year over a 24-month window → 27%."""
    site_a.engagement_start = D(2024, 1, 15)
    site_a.save()
    _robberies(site_a, D(2024, 1, 1), [8] * 16 + [9] * 8)  # 200 in 24 months
    mde, basis = pre_engagement_mde(site_a, "robbery", 24)
    assert mde == 27.0
    assert "200 events of robbery in the 24 months before the start (Jan 2022–Dec 2023)" in basis


def test_no_mde_when_a_pre_engagement_month_is_missing(site_a):
    site_a.engagement_start = D(2024, 1, 15)
    site_a.save()
    _robberies(site_a, D(2024, 1, 1), [8] * 23)  # Jan 2022 missing
    mde, basis = pre_engagement_mde(site_a, "robbery", 24)
    assert mde is None and "are not all stored yet" in basis


# --- beside every result ----------------------------------------------------------------------


def _dashboard(client, site) -> str:
    return client.get(reverse("dashboards:site", args=[site.slug])).content.decode()


def test_results_show_the_version_they_were_computed_under(client_for, site_a, admin, pm):
    v1 = preregistration_record(site=site_a, acting_user=admin, **PLAN)
    Preregistration.objects.filter(pk=v1.pk).update(
        recorded_at=timezone.now() - dt.timedelta(days=10)
    )
    store(
        site_a,
        "headline",
        value={"sentence": "Down.", "offense_label": "Violent crime"},
        computed_at=timezone.now() - dt.timedelta(days=5),
    )
    body = _dashboard(client_for(pm), site_a)
    assert "Pre-registered plan</strong> (version 1" in body
    assert "comparison: no comparison: before and after only (tier 1)" in body
    assert "The plan changed after these results were computed" not in body

    preregistration_record(
        site=site_a,
        acting_user=admin,
        **{**PLAN, "window_months": 36},
        reason="Three years of pre-engagement data arrived.",
    )
    body = _dashboard(client_for(pm), site_a)
    assert "Pre-registered plan</strong> (version 1" in body
    assert "The plan changed after these results were computed</strong> (version 2" in body
    assert "Three years of pre-engagement data arrived." in body

    store(
        site_a,
        "headline",
        "homicide",
        value={"sentence": "Down.", "offense_label": "Homicide"},
        computed_at=timezone.now() + dt.timedelta(seconds=5),
    )
    body = _dashboard(client_for(pm), site_a)
    assert "Pre-registered plan</strong> (version 2" in body
    assert "Changed from version 1: “Three years of pre-engagement data arrived.”" in body
    assert "The plan changed after these results were computed" not in body


def test_no_note_without_a_pre_registration(client_for, site_a, pm):
    store(site_a, "headline", value={"sentence": "Down.", "offense_label": "Violent crime"})
    body = _dashboard(client_for(pm), site_a)
    assert 'data-testid="prereg-note"' not in body


def test_results_older_than_the_pre_registration_say_so(client_for, site_a, admin, pm):
    store(
        site_a,
        "headline",
        value={"sentence": "Down.", "offense_label": "Violent crime"},
        computed_at=timezone.now() - dt.timedelta(days=5),
    )
    preregistration_record(site=site_a, acting_user=admin, **PLAN)
    body = client_for(pm).get(reverse("dashboards:brief", args=[site_a.slug])).content.decode()
    assert "computed before the evaluation plan was pre-registered" in body


# --- the pages --------------------------------------------------------------------------------

READERS = {"admin", "pm", "auditor", "liaison_a", "partner_a"}
ROLES = ["admin", "pm", "auditor", "liaison_a", "partner_a", "liaison_b", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_the_pre_registration_page_by_role(cast, client_for, site_a, admin, role):
    preregistration_record(site=site_a, acting_user=admin, **PLAN)
    url = reverse("metrics:preregistration", args=[site_a.slug])
    c = client_for(cast[role])
    got = c.get(url)
    posted = c.post(url, {**PLAN, "gap_months": "3", "reason": "A three-month ramp-up."})
    if role not in READERS:
        assert got.status_code == posted.status_code == 404
    else:
        assert got.status_code == 200
        assert "No comparison: before and after only" in got.content.decode()
        assert ("Record version 2" in got.content.decode()) == (role == "admin")
        assert posted.status_code == (302 if role == "admin" else 403)
    assert len(versions(site_a)) == (2 if role == "admin" else 1)


def test_the_page_refuses_a_change_without_reason_naming_the_field(client_for, site_a, admin):
    preregistration_record(site=site_a, acting_user=admin, **PLAN)
    url = reverse("metrics:preregistration", args=[site_a.slug])
    response = client_for(admin).post(url, {**PLAN, "gap_months": "3"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "say why it changes" in body and 'id="id_reason"' in body
    assert len(versions(site_a)) == 1


def test_the_page_shows_the_history_with_reasons(client_for, site_a, admin, partner_a):
    preregistration_record(site=site_a, acting_user=admin, **PLAN)
    preregistration_record(
        site=site_a, acting_user=admin, **{**PLAN, "gap_months": 3}, reason="A ramp-up."
    )
    body = client_for(partner_a).get(reverse("metrics:preregistration", args=[site_a.slug]))
    text = body.content.decode()
    assert "In force: version 2" in text and "A ramp-up." in text and "History" in text
    assert "Record version" not in text  # partners read only


@pytest.mark.parametrize("role", ROLES)
def test_the_reporting_set_up_page_by_role(cast, client_for, site_a, role):
    url = reverse("metrics:reporting_setup", args=[site_a.slug])
    c = client_for(cast[role])
    got = c.get(url)
    posted = c.post(url, {"due_days": "45", "offenses": ["robbery"], "reporting_from": ""})
    saved = ReportingSchedule.objects.filter(site=site_a).first()
    if role not in READERS:
        assert got.status_code == posted.status_code == 404
    else:
        assert got.status_code == 200
        assert "Monthly counts are due" in got.content.decode()
        assert ('name="due_days"' in got.content.decode()) == (role == "admin")
        assert posted.status_code == (302 if role == "admin" else 403)
    if role == "admin":
        assert saved is not None and saved.due_days == 45 and saved.updated_by == cast["admin"]
    else:
        assert saved is None


def test_the_set_up_page_names_a_bad_field(client_for, site_a, admin):
    url = reverse("metrics:reporting_setup", args=[site_a.slug])
    response = client_for(admin).post(url, {"due_days": "400", "offenses": ["robbery"]})
    assert response.status_code == 400
    assert "less than or equal to 365" in response.content.decode()
    assert not ReportingSchedule.objects.exists()


def test_the_wizard_sets_up_the_evaluation_and_points_to_it(client_for, admin, pm):
    from tests.sites.onboarding.test_onboarding_views import ONBOARD, wizard_data

    response = client_for(admin).post(ONBOARD, wizard_data(pm), follow=True)
    site = Site.objects.get(name="Springfield", state="MA")
    assert versions(site) == [(1, "violent_crime", 24, "trend_adjusted", "")]
    assert ReportingSchedule.objects.get(site=site).updated_by == admin
    body = response.content.decode()
    assert reverse("metrics:reporting_setup", args=[site.slug]) in body
    assert reverse("metrics:comparison_link", args=[site.slug]) in body
