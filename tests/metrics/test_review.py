"""Review of submitted months: an import submits its months, program managers and admins approve,
return (with a comment) or unlock (with a reason); an approved month refuses a file with nothing
changed; revision reasons are kept; flags are resolved in bulk, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from metrics import services
from metrics.models import (
    DataQualityFlag,
    MonthlyCountRevision,
    MonthReview,
    MonthReviewEvent,
    ReportingSchedule,
)
from metrics.services import stewardship
from tests.metrics.conftest import as_file, outcome_snapshot

pytestmark = pytest.mark.django_db

D = dt.date
CSV = "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,11\n"
JAN, FEB = D(2023, 1, 1), D(2023, 2, 1)


def states(site) -> dict[dt.date, str]:
    return dict(MonthReview.objects.filter(site=site).values_list("month", "state"))


def test_an_import_submits_the_months_of_its_file(site_a, liaison_a, run_import):
    upload = run_import(site_a, liaison_a, CSV)
    assert states(site_a) == {JAN: "submitted", FEB: "submitted"}
    (event,) = MonthReviewEvent.objects.filter(site=site_a)
    assert (event.action, event.months, event.actor, event.upload) == (
        "submitted",
        ["2023-01-01", "2023-02-01"],
        liaison_a,
        upload,
    )


@pytest.mark.parametrize("role", ["pm", "admin"])
def test_program_managers_and_admins_approve(cast, site_a, liaison_a, run_import, role):
    run_import(site_a, liaison_a, CSV)
    stewardship.months_approve(site=site_a, months=[JAN], acting_user=cast[role])
    assert states(site_a) == {JAN: "approved", FEB: "submitted"}


@pytest.mark.parametrize("role", ["liaison_a", "auditor", "partner_a", "outsider"])
def test_others_cannot_approve_return_or_unlock(cast, site_a, liaison_a, run_import, role):
    run_import(site_a, liaison_a, CSV)
    user = cast[role]
    with pytest.raises(ValidationError, match="Only program managers"):
        stewardship.months_approve(site=site_a, months=[JAN], acting_user=user)
    with pytest.raises(ValidationError, match="Only program managers"):
        stewardship.months_return(site=site_a, months=[JAN], acting_user=user, comment="no")
    stewardship.months_approve(site=site_a, months=[FEB], acting_user=cast["pm"])
    with pytest.raises(ValidationError, match="Only program managers"):
        stewardship.months_unlock(site=site_a, months=[FEB], acting_user=user, reason="x")
    assert states(site_a) == {JAN: "submitted", FEB: "approved"}


def test_return_needs_a_comment_and_the_liaison_sees_it(site_a, liaison_a, pm, run_import):
    run_import(site_a, liaison_a, CSV)
    with pytest.raises(ValidationError, match="comment is required"):
        stewardship.months_return(site=site_a, months=[JAN], acting_user=pm, comment="  ")
    stewardship.months_return(
        site=site_a, months=[JAN], acting_user=pm, comment="January robbery looks doubled."
    )
    review = MonthReview.objects.get(site=site_a, month=JAN)
    assert (review.state, review.comment) == ("returned", "January robbery looks doubled.")
    with pytest.raises(ValidationError, match="Jan 2023 is returned"):
        stewardship.months_approve(site=site_a, months=[JAN], acting_user=pm)
    # The liaison resubmits: the month goes back to review and the comment is cleared.
    run_import(site_a, liaison_a, "month,offense,count\n2023-01,robbery,5\n", name="fix.csv")
    review.refresh_from_db()
    assert (review.state, review.comment) == ("submitted", "")


def test_an_approved_month_refuses_a_file_and_nothing_changes(site_a, liaison_a, pm, run_import):
    run_import(site_a, liaison_a, CSV)
    stewardship.months_approve(site=site_a, months=[JAN, FEB], acting_user=pm)
    before = outcome_snapshot()
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("month,offense,count\n2023-02,robbery,99\n2023-03,robbery,4\n", "late.csv"),
        acting_user=liaison_a,
    )
    assert upload.status == "invalid"
    assert "Feb 2023" in upload.errors[0]["message"]
    assert "Jan 2023" not in upload.errors[0]["message"]
    with pytest.raises(ValidationError):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    assert outcome_snapshot() == before


def test_a_month_approved_between_preview_and_import_is_refused_there(
    site_a, liaison_a, pm, run_import, django_capture_on_commit_callbacks
):
    run_import(site_a, liaison_a, CSV)
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("month,offense,count\n2023-02,robbery,99\n", "race.csv"),
        acting_user=liaison_a,
    )
    assert upload.status == "validated"
    stewardship.months_approve(site=site_a, months=[FEB], acting_user=pm)
    before = outcome_snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert "Feb 2023" in upload.failure
    assert outcome_snapshot() == before


def test_unlock_needs_a_reason_and_reopens_the_month(site_a, liaison_a, pm, run_import):
    run_import(site_a, liaison_a, CSV)
    stewardship.months_approve(site=site_a, months=[FEB], acting_user=pm)
    with pytest.raises(ValidationError, match="reason"):
        stewardship.months_unlock(site=site_a, months=[FEB], acting_user=pm, reason="")
    stewardship.months_unlock(
        site=site_a, months=[FEB], acting_user=pm, reason="Site found a coding error."
    )
    assert states(site_a)[FEB] == "submitted"
    upload = run_import(site_a, liaison_a, "month,offense,count\n2023-02,robbery,12\n", name="b")
    assert upload.status == "imported"
    history = list(
        MonthReviewEvent.objects.filter(site=site_a).values_list("action", "reason", "actor")
    )
    assert history == [
        ("submitted", "", liaison_a.pk),
        ("unlocked", "Site found a coding error.", pm.pk),
        ("approved", "", pm.pk),
        ("submitted", "", liaison_a.pk),
    ]


def test_the_files_revision_reason_is_kept_with_each_revised_value(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, CSV)
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("month,offense,count\n2023-01,robbery,12\n2023-02,robbery,13\n", "r.csv"),
        acting_user=liaison_a,
    )
    upload.revision_reason = "The records system re-coded two robberies."
    upload.save(update_fields=["revision_reason"])
    services.upload_import_now(upload=upload, acting_user=liaison_a)
    reasons = list(
        MonthlyCountRevision.objects.filter(monthly_count__site=site_a)
        .order_by("id")
        .values_list("previous_value", "value", "reason")
    )
    assert reasons == [
        (None, 10, ""),
        (None, 11, ""),
        (10, 12, "The records system re-coded two robberies."),
        (11, 13, "The records system re-coded two robberies."),
    ]


def test_schedule_save_keeps_who_and_refuses_unknown_offenses(site_a, admin):
    schedule = stewardship.schedule_save(
        site=site_a,
        acting_user=admin,
        due_days=45,
        offenses=["robbery", "homicide"],
        incidents_expected=True,
        reporting_from=D(2026, 1, 17),
    )
    assert (schedule.due_days, schedule.reporting_from, schedule.updated_by) == (
        45,
        D(2026, 1, 1),
        admin,
    )
    assert sorted(schedule.offenses.values_list("code", flat=True)) == ["homicide", "robbery"]
    with pytest.raises(ValidationError, match="treason"):
        stewardship.schedule_save(
            site=site_a,
            acting_user=admin,
            due_days=30,
            offenses=["treason"],
            incidents_expected=False,
            reporting_from=None,
        )
    assert ReportingSchedule.objects.get(site=site_a).due_days == 45


def _flags(site, user, run_import):
    run_import(site, user, "month,offense,count\n2023-01,robbery,10\n2023-04,robbery,11\n")
    return list(DataQualityFlag.objects.filter(site=site, status="open"))


def test_bulk_resolution_changes_every_selected_flag(site_a, liaison_a, run_import):
    flags = _flags(site_a, liaison_a, run_import)
    assert len(flags) >= 2
    n = stewardship.flags_decide_bulk(
        site=site_a,
        flag_ids=[f.pk for f in flags],
        acting_user=liaison_a,
        action="resolve",
        note="Months were not reported by the old RMS.",
    )
    assert n == len(flags)
    assert set(
        DataQualityFlag.objects.filter(pk__in=[f.pk for f in flags]).values_list(
            "status", "note", "resolved_by"
        )
    ) == {("resolved", "Months were not reported by the old RMS.", liaison_a.pk)}


def test_bulk_resolution_is_all_or_nothing(site_a, site_b, liaison_a, liaison_b, run_import):
    flags = _flags(site_a, liaison_a, run_import)
    other = _flags(site_b, liaison_b, run_import)
    with pytest.raises(ValidationError, match=f"#{other[0].pk}"):
        stewardship.flags_decide_bulk(
            site=site_a,
            flag_ids=[flags[0].pk, other[0].pk],
            acting_user=liaison_a,
            action="resolve",
            note="n",
        )
    with pytest.raises(ValidationError, match="note"):
        stewardship.flags_decide_bulk(
            site=site_a, flag_ids=[flags[0].pk], acting_user=liaison_a, action="resolve", note=""
        )
    assert set(DataQualityFlag.objects.values_list("status", flat=True)) == {"open"}


TWELVE = "month,offense,count\n" + "".join(f"2023-{m:02d},robbery,20\n" for m in range(1, 13))


def test_a_revised_file_raises_one_grouped_revision_flag(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, TWELVE)
    before = DataQualityFlag.objects.filter(site=site_a, status="open").count()
    # Twelve values revised: ten beyond 5% (20 → 30), two within it (20 → 21).
    revised = (
        TWELVE.replace("-01,robbery,20", "-01,robbery,21")
        .replace("-02,robbery,20", "-02,robbery,21")
        .replace(",20\n", ",30\n")
    )
    upload = run_import(site_a, liaison_a, revised, name="revised.csv")
    (dq6,) = DataQualityFlag.objects.filter(site=site_a, rule="DQ6")
    assert dq6.detail.startswith("10 values differ by more than 5% from their first report")
    assert "Jan 2023" not in dq6.detail and "Mar 2023 Robbery: from 20 to 30" in dq6.detail
    assert DataQualityFlag.objects.filter(site=site_a, status="open").count() == before + 1
    assert upload.rows_revised == 12
    (event,) = MonthReviewEvent.objects.filter(upload=upload)
    assert len(event.months) == 12


def test_revisions_within_the_threshold_raise_no_flag(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, TWELVE)
    run_import(site_a, liaison_a, TWELVE.replace(",20\n", ",21\n"), name="small.csv")
    assert not DataQualityFlag.objects.filter(site=site_a, rule="DQ6").exists()


def test_approved_through_is_the_end_of_the_unbroken_approved_run(site_a):
    from metrics.selectors.review import approved_through

    assert approved_through(site_a) is None
    for month, state in [(1, "approved"), (2, "approved"), (3, "submitted"), (4, "approved")]:
        MonthReview.objects.create(site=site_a, month=D(2026, month, 1), state=state)
    assert approved_through(site_a) == D(2026, 2, 1)
    MonthReview.objects.filter(site=site_a, month=D(2026, 1, 1)).update(state="returned")
    assert approved_through(site_a) is None


def test_the_headline_says_what_the_approval_covers(client_for, site_a, pm):
    from tests.dashboards.factories import store

    store(site_a, "headline", "violent_crime", value={"sentence": "Down.", "offense_label": "V"})
    MonthReview.objects.create(site=site_a, month=D(2026, 7, 1), state="approved")
    MonthReview.objects.create(site=site_a, month=D(2026, 8, 1), state="submitted")
    body = client_for(pm).get(f"/sites/{site_a.slug}/dashboard/").content.decode()
    assert "approved through <strong>Jul 2026</strong>" in body


def test_the_migration_starts_existing_months_as_submitted_not_approved(site_a, site_b):
    """Issue 14, acceptance 1: months reported before the workflow go to review, once each,
    and a month already reviewed keeps its state."""
    from importlib import import_module

    from django.apps import apps

    from metrics.models import MonthlyCount, Offense

    migration = import_module("metrics.migrations.0059_stewardship")
    robbery, burglary = Offense.objects.get(code="robbery"), Offense.objects.get(code="burglary")
    for site, month, offense in [
        (site_a, JAN, robbery),
        (site_a, JAN, burglary),
        (site_a, FEB, robbery),
        (site_b, FEB, robbery),
    ]:
        MonthlyCount.objects.create(site=site, month=month, offense=offense, count=3, first_count=3)
    MonthReview.objects.create(site=site_a, month=FEB, state="approved")
    migration.existing_months_submitted(apps, None)
    assert states(site_a) == {JAN: "submitted", FEB: "approved"}
    assert states(site_b) == {FEB: "submitted"}
    assert not MonthReviewEvent.objects.exists()  # nothing happened to them: no history to invent
