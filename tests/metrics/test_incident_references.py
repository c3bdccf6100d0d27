"""Incident references checked by the import, not per row by the database (docs/benchmarks.md):
an unknown offense is refused by row and column, deletions keep Django's on_delete, and duplicate
ids are found across chunks."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from metrics import services
from metrics.models import Incident, Offense, Upload
from tests.metrics.conftest import as_file, outcome_snapshot

pytestmark = pytest.mark.django_db

CSV = (
    "id,date,offense type,killed,injured\n"
    "A1,2023-01-15,robbery,0,0\n"
    "A2,2023-02-15,shots fired,0,0\n"
    "A3,2023-03-15,robbery,0,0\n"
    "A4,2023-04-15,shots fired,0,0\n"
)


def test_an_offense_missing_from_the_database_fails_the_import_naming_row_and_column(
    site_a, liaison_a, django_capture_on_commit_callbacks
):
    upload = services.upload_receive(
        site=site_a, kind="incidents", file=as_file(CSV, "i.csv"), acting_user=liaison_a
    )
    assert upload.status == "validated", upload.errors
    before = outcome_snapshot()
    # The file passed its checks; then the offense row disappears (only raw SQL could do it:
    # the admin cannot delete offenses and no incident refers to this one yet).
    Offense.objects.filter(code="shots_fired").delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert "Nothing was imported" in upload.failure
    assert "Row 3, column “offense type” (value “shots_fired”)" in upload.failure
    assert "Row 5, column “offense type” (value “shots_fired”)" in upload.failure
    assert "Row 2" not in upload.failure and "Row 4" not in upload.failure
    assert outcome_snapshot() == before


def test_imported_incidents_carry_the_offense_of_their_code(site_a, liaison_a, run_import):
    upload = run_import(site_a, liaison_a, CSV, kind="incidents", name="i.csv")
    assert upload.status == "imported", upload.failure
    got = dict(Incident.objects.values_list("external_id", "offense__code"))
    assert got == {"A1": "robbery", "A2": "shots_fired", "A3": "robbery", "A4": "shots_fired"}


def test_deleting_an_upload_keeps_its_incidents_without_a_source_upload(
    site_a, liaison_a, run_import
):
    upload = run_import(site_a, liaison_a, CSV, kind="incidents", name="i.csv")
    assert Incident.objects.filter(upload=upload).count() == 4
    Upload.objects.filter(pk=upload.pk).delete()
    assert Incident.objects.count() == 4
    assert Incident.objects.filter(upload__isnull=True).count() == 4


def test_an_offense_used_by_incidents_cannot_be_deleted(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, CSV, kind="incidents", name="i.csv")
    with pytest.raises(ProtectedError):
        Offense.objects.get(code="robbery").delete()
    assert Incident.objects.filter(offense__code="robbery").count() == 2


def test_an_incident_id_repeated_chunks_later_names_the_row_it_first_appeared_on(
    site_a, liaison_a, settings
):
    settings.PSP_IMPORT_CHUNK_ROWS = 3
    ids = ["B1", "B2", "B3", "B4", "B5", "B6", "B2", "B7", "B5", "B1"]
    lines = ["id,date,offense"] + [f"{i},2023-05-0{1 + n % 9},robbery" for n, i in enumerate(ids)]
    upload = services.upload_receive(
        site=site_a,
        kind="incidents",
        file=as_file("\n".join(lines) + "\n", "i.csv"),
        acting_user=liaison_a,
    )
    assert upload.status == "invalid"
    repeats = [(e["row"], e["message"]) for e in upload.errors]
    assert repeats == [
        (8, "repeats the incident id of row 3."),
        (10, "repeats the incident id of row 6."),
        (11, "repeats the incident id of row 2."),
    ]


def test_a_corrected_resend_updates_the_offense_by_its_code_and_adds_new_ids(
    site_a, liaison_a, run_import
):
    first = run_import(site_a, liaison_a, CSV, kind="incidents", name="i.csv")
    corrected = (
        "id,date,offense type,killed,injured\n"
        "A1,2023-01-15,robbery,0,0\n"  # unchanged
        "A2,2023-02-15,robbery,0,0\n"  # shots fired → robbery
        "A5,2023-05-15,shots fired,0,0\n"  # new
    )
    second = run_import(site_a, liaison_a, corrected, kind="incidents", name="i2.csv")
    assert second.status == "imported", second.failure
    assert (second.rows_added, second.rows_revised, second.rows_unchanged) == (1, 1, 1)
    got = {
        i: (code, upload)
        for i, code, upload in Incident.objects.values_list(
            "external_id", "offense__code", "upload_id"
        )
    }
    assert got == {
        "A1": ("robbery", first.pk),
        "A2": ("robbery", second.pk),
        "A3": ("robbery", first.pk),
        "A4": ("shots_fired", first.pk),
        "A5": ("shots_fired", second.pk),
    }
