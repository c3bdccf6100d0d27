"""Importing monthly counts: layouts, month formats, aliases, revisions, duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from metrics import services
from metrics.models import MonthlyCount, MonthlyCountRevision, Revision, Upload
from metrics.tasks import import_upload
from tests.metrics.conftest import as_file

pytestmark = pytest.mark.django_db


def counts(site) -> dict[tuple[str, str], int]:
    return {
        (mc.month.strftime("%Y-%m"), mc.offense.code): mc.count
        for mc in MonthlyCount.objects.filter(site=site).select_related("offense")
    }


def test_long_layout_reads_every_month_format_and_offense_alias(site_a, liaison_a, run_import):
    csv = (
        "Month,Offense,Count\n"
        "2024-03,Murder,3\n"
        "2024-04-01,Agg Assault,40\n"
        "May 2024,robbery,12\n"
        "6/2024,HOMICIDE,0\n"
    )
    upload = run_import(site_a, liaison_a, csv)
    assert upload.status == "imported"
    assert upload.read_summary().layout == "long"
    assert counts(site_a) == {
        ("2024-03", "homicide"): 3,
        ("2024-04", "aggravated_assault"): 40,
        ("2024-05", "robbery"): 12,
        ("2024-06", "homicide"): 0,
    }
    assert (upload.rows_total, upload.rows_imported, upload.rows_added) == (4, 4, 4)


def test_wide_layout_keeps_an_empty_cell_missing_and_an_explicit_zero(
    site_a, liaison_a, run_import
):
    csv = "month,homicide,robbery,Agg. Assault\n2024-01,2,,30\n2024-02,0,9,31\n"
    upload = run_import(site_a, liaison_a, csv)
    assert upload.read_summary().layout == "wide"
    stored = counts(site_a)
    assert ("2024-01", "robbery") not in stored  # missing, never zero
    assert stored[("2024-02", "homicide")] == 0  # a reported zero
    assert len(stored) == 5
    assert upload.read_summary().stats.empty_cells == 1


def test_corrected_file_replaces_values_and_keeps_every_earlier_value(
    site_a, liaison_a, pm, run_import
):
    run_import(site_a, liaison_a, "month,offense,count\n2024-01,robbery,10\n2024-02,robbery,11\n")
    second = run_import(
        site_a, pm, "month,offense,count\n2024-01,robbery,14\n2024-02,robbery,11\n", name="v2.csv"
    )
    assert (second.rows_added, second.rows_revised, second.rows_unchanged) == (0, 1, 1)
    assert second.read_summary().revisions == (
        Revision(month="2024-01-01", offense="robbery", old=10, new=14),
    )
    mc = MonthlyCount.objects.get(site=site_a, month=dt.date(2024, 1, 1))
    assert (mc.count, mc.first_count, mc.is_revised) == (14, 10, True)
    history = list(mc.revisions.values_list("previous_value", "value", "recorded_by"))
    assert history == [(None, 10, liaison_a.pk), (10, 14, pm.pk)]
    assert (
        MonthlyCountRevision.objects.filter(monthly_count__month=dt.date(2024, 2, 1)).count() == 1
    )


def test_same_file_twice_is_refused_with_a_link_to_the_first(site_a, liaison_a, run_import):
    csv = "month,offense,count\n2024-01,robbery,10\n"
    first = run_import(site_a, liaison_a, csv)
    with pytest.raises(services.DuplicateUpload) as exc:
        services.upload_receive(
            site=site_a, kind="monthly_counts", file=as_file(csv), acting_user=liaison_a
        )
    assert exc.value.first == first
    assert f"upload #{first.pk}" in exc.value.messages[0]
    assert Upload.objects.count() == 1


def test_same_file_for_another_site_is_accepted(site_a, site_b, liaison_a, liaison_b, run_import):
    csv = "month,offense,count\n2024-01,robbery,10\n"
    run_import(site_a, liaison_a, csv)
    assert run_import(site_b, liaison_b, csv).status == "imported"


def test_confirm_enqueues_the_import_only_after_commit(
    site_a, liaison_a, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(import_upload, "delay", lambda pk: calls.append(pk))
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("month,offense,count\n2024-01,robbery,10\n"),
        acting_user=liaison_a,
    )
    with django_capture_on_commit_callbacks() as callbacks:
        services.upload_confirm(upload=upload, acting_user=liaison_a)
        assert calls == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert calls == [upload.pk]


def test_the_import_task_is_idempotent(site_a, liaison_a, run_import):
    upload = run_import(site_a, liaison_a, "month,offense,count\n2024-01,robbery,10\n")
    import_upload.run(upload.pk)  # a second delivery of the same message
    assert MonthlyCount.objects.filter(site=site_a).count() == 1
    assert MonthlyCountRevision.objects.count() == 1
    import_upload.run(999_999)  # an upload that is gone: returns quietly


def test_an_unconfirmed_upload_cannot_be_imported_twice_or_confirmed_when_invalid(
    site_a, liaison_a, run_import
):
    upload = run_import(site_a, liaison_a, "month,offense,count\n2024-01,robbery,10\n")
    with pytest.raises(ValidationError):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    bad = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("month,offense,count\n2024-01,robbery,-1\n"),
        acting_user=liaison_a,
    )
    with pytest.raises(ValidationError):
        services.upload_confirm(upload=bad, acting_user=liaison_a)


def test_column_mapping_chosen_by_the_user_is_remembered_for_the_next_upload(
    site_a, liaison_a, run_import
):
    csv = "Periode,Delito,Cantidad\n2024-01,robbery,10\n"
    upload = services.upload_receive(
        site=site_a, kind="monthly_counts", file=as_file(csv), acting_user=liaison_a
    )
    assert upload.status == "invalid"
    assert "No column holds" in upload.errors[0]["message"]
    upload = services.upload_validate(
        upload=upload,
        acting_user=liaison_a,
        mapping={"Periode": "month", "Delito": "offense", "Cantidad": "count"},
    )
    assert upload.status == "validated"
    services.upload_confirm(upload=upload, acting_user=liaison_a)
    nxt = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("Periode,Delito,Cantidad\n2024-02,robbery,12\n", "feb.csv"),
        acting_user=liaison_a,
    )
    assert nxt.status == "validated"


def test_wide_column_mapped_to_ignore_is_skipped(site_a, liaison_a, run_import):
    csv = "month,homicide,Arson\n2024-01,2,5\n"
    upload = services.upload_receive(
        site=site_a, kind="monthly_counts", file=as_file(csv), acting_user=liaison_a
    )
    assert upload.errors[0]["column"] == "Arson"
    upload = services.upload_validate(
        upload=upload,
        acting_user=liaison_a,
        mapping={"month": "month", "homicide": "homicide", "Arson": "ignore"},
    )
    assert upload.status == "validated"


def test_xlsx_through_calamine_and_a_workbook_with_several_sheets_asks_which(
    site_a, liaison_a, tmp_path, run_import
):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Counts"
    ws.append(["month", "offense", "count"])
    ws.append([dt.datetime(2024, 3, 1), "Robbery", 12])
    ws.append(["Apr 2024", "Robbery", 13.0])
    wb.create_sheet("Notes").append(["prepared by", "records unit"])
    path = tmp_path / "counts.xlsx"
    wb.save(path)
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file(path.read_bytes(), "counts.xlsx"),
        acting_user=liaison_a,
    )
    assert upload.status == "invalid"
    assert "2 sheets (Counts, Notes): choose which" in upload.errors[0]["message"]
    assert upload.read_summary().sheets == ("Counts", "Notes")
    upload = services.upload_validate(upload=upload, acting_user=liaison_a, sheet="Counts")
    assert upload.status == "validated", upload.errors
    assert "Excel workbook" in upload.read_summary().description
