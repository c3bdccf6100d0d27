"""Parse and check an incident file once (issue 20): the preview stages the checked rows in the
upload's own table, confirmation merges that stage, and no stage outlives its use — confirmed,
refused, cancelled, failed, crashed or expired (PSP_IMPORT_STAGE_HOURS). The incident's site has
no database foreign key any more: the import and the delete cascade keep it whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from metrics import services
from metrics.intake import writer
from metrics.models import Incident, Upload
from metrics.services import sweep
from metrics.services import uploads as upload_services
from tests.metrics.conftest import as_file
from tests.metrics.test_incident_references import CSV

pytestmark = pytest.mark.django_db


def staged(upload_id: int) -> bool:
    return upload_id in writer.upload_stages()


# The preview stages only on PostgreSQL; SQLite (make run) reads the file again at import, which
# the other tests here and every import test cover on both.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="upload stages are PostgreSQL tables"
)


def receive(site, user, content=CSV, name="i.csv"):
    return services.upload_receive(
        site=site, kind="incidents", file=as_file(content, name), acting_user=user
    )


def confirm(upload, user, capture):
    with capture(execute=True):
        services.upload_confirm(upload=upload, acting_user=user)
    upload.refresh_from_db()
    return upload


@postgres_only
def test_the_preview_stages_checked_rows_and_confirmation_merges_them_without_the_file(
    site_a, liaison_a, django_capture_on_commit_callbacks
):
    upload = receive(site_a, liaison_a)
    assert upload.status == "validated"
    assert staged(upload.pk)
    upload.file.delete(save=False)  # the file is not read again: the stage is merged
    upload = confirm(upload, liaison_a, django_capture_on_commit_callbacks)
    assert upload.status == "imported", upload.failure
    assert (upload.rows_imported, upload.rows_added) == (4, 4)
    assert "staged at preview" in upload.summary["timings"]
    got = dict(Incident.objects.filter(site=site_a).values_list("external_id", "offense__code"))
    assert got == {"A1": "robbery", "A2": "shots_fired", "A3": "robbery", "A4": "shots_fired"}
    assert not staged(upload.pk)


@postgres_only
def test_a_refused_preview_keeps_no_stage(site_a, liaison_a):
    upload = receive(site_a, liaison_a, CSV + "A5,not a date,robbery,0,0\n")
    assert upload.status == "invalid"
    assert not staged(upload.pk)


@postgres_only
def test_a_cancelled_preview_drops_its_stage(site_a, liaison_a):
    upload = receive(site_a, liaison_a)
    assert staged(upload.pk)
    services.upload_discard(upload=upload, acting_user=liaison_a)
    assert not staged(upload.pk)


@postgres_only
def test_an_expired_stage_is_swept_and_the_import_reads_the_file_again(
    site_a, liaison_a, settings, django_capture_on_commit_callbacks
):
    settings.PSP_IMPORT_STAGE_HOURS = 2
    upload = receive(site_a, liaison_a)
    assert sweep.stages_sweep(now=timezone.now() + dt.timedelta(hours=1)) == []
    assert staged(upload.pk)
    assert sweep.stages_sweep(now=timezone.now() + dt.timedelta(hours=3)) == [upload.pk]
    assert not staged(upload.pk)
    upload = confirm(upload, liaison_a, django_capture_on_commit_callbacks)
    assert upload.status == "imported", upload.failure
    assert (upload.rows_imported, upload.rows_added) == (4, 4)
    assert "read, check and stage" in upload.summary["timings"]


@postgres_only
def test_the_sweeper_drops_stages_no_import_will_merge_and_keeps_the_others(
    site_a, liaison_a, site_b, liaison_b
):
    waiting = receive(site_a, liaison_a)
    failed = receive(site_b, liaison_b)
    Upload.objects.filter(pk=failed.pk).update(status="failed")  # e.g. a lost worker
    gone = receive(site_a, liaison_a, CSV.replace("A3", "A9"), "j.csv")
    Upload.objects.filter(pk=gone.pk).delete()  # deleted without the service
    result = sweep.uploads_sweep(in_workers=set())
    assert sorted(result.stages_dropped) == sorted([failed.pk, gone.pk])
    assert staged(waiting.pk)
    assert writer.upload_stages().keys() == {waiting.pk}


def test_a_resend_keeps_exact_counts_through_the_anti_join(
    site_a, liaison_a, django_capture_on_commit_callbacks
):
    first = confirm(receive(site_a, liaison_a), liaison_a, django_capture_on_commit_callbacks)
    assert first.rows_added == 4
    corrected = CSV.replace("A2,2023-02-15,shots fired", "A2,2023-02-15,robbery") + (
        "A5,2023-05-15,robbery,0,0\n"
    )
    second = confirm(
        receive(site_a, liaison_a, corrected, "i2.csv"),
        liaison_a,
        django_capture_on_commit_callbacks,
    )
    assert (second.rows_added, second.rows_revised, second.rows_unchanged) == (1, 1, 3)
    assert Incident.objects.filter(site=site_a).count() == 5
    assert Incident.objects.get(external_id="A2").upload_id == second.pk


def test_an_import_whose_site_disappears_before_the_merge_stores_nothing(
    site_a, liaison_a, monkeypatch, django_capture_on_commit_callbacks
):
    upload = receive(site_a, liaison_a)
    original = upload_services.upload_exists

    def upload_exists_then_site_deleted(upload_id):
        found = original(upload_id)
        with connection.cursor() as cur:  # the upload's own foreign key is checked at commit
            cur.execute("DELETE FROM sites_site WHERE id = %s", [site_a.pk])
        return found

    monkeypatch.setattr(upload_services, "upload_exists", upload_exists_then_site_deleted)
    upload = confirm(upload, liaison_a, django_capture_on_commit_callbacks)
    assert upload.status == "failed"
    assert "site was deleted" in upload.failure
    assert not Incident.objects.exists()


class RolledBack(Exception):
    pass


@postgres_only  # the trigger is PostgreSQL's
def test_deleting_a_site_deletes_its_incidents_by_sql_and_by_django(
    site_a, liaison_a, site_b, liaison_b, run_import
):
    run_import(site_a, liaison_a, CSV, kind="incidents", name="i.csv")
    run_import(site_b, liaison_b, CSV, kind="incidents", name="i.csv")
    with pytest.raises(RolledBack), transaction.atomic():
        with connection.cursor() as cur:  # raw SQL, past Django's cascade: the trigger's job
            cur.execute("DELETE FROM sites_site WHERE id = %s", [site_a.pk])
        assert not Incident.objects.filter(site_id=site_a.pk).exists()
        assert Incident.objects.filter(site_id=site_b.pk).count() == 4
        raise RolledBack  # the site's other rows (uploads, members) would refuse at commit
    Upload.objects.filter(site=site_b).delete()  # uploads protect their site
    site_b.delete()  # Django's cascade
    assert not Incident.objects.filter(site_id=site_b.pk).exists()
    assert Incident.objects.filter(site_id=site_a.pk).count() == 4
