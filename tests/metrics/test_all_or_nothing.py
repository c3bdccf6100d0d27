"""An import commits every row or none (acceptance 2, docs/design.md §8)."""

from __future__ import annotations

import pytest
from django.db import connection

from metrics import services
from metrics.intake import writer
from metrics.models import Incident, MonthlyCount, MonthlyCountRevision, Upload
from tests.metrics.conftest import as_file, outcome_snapshot

pytestmark = pytest.mark.django_db


def incidents_csv(n: int, start: int = 0) -> str:
    lines = ["id,date,offense,killed,injured"]
    lines += [f"X{i},2023-{1 + i % 12:02d}-15,robbery,0,0" for i in range(start, start + n)]
    return "\n".join(lines) + "\n"


def confirm(site, user, content, django_capture_on_commit_callbacks, kind="incidents"):
    upload = services.upload_receive(
        site=site, kind=kind, file=as_file(content, "f.csv"), acting_user=user
    )
    assert upload.status == "validated", upload.errors
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=user)
    upload.refresh_from_db()
    return upload


def stage_exists(upload_id: int) -> bool:
    """Whether the upload's preview stage is there (PostgreSQL; SQLite reads the file again)."""
    return upload_id in writer.upload_stages()


def test_worker_dying_after_half_the_rows_of_a_file_read_again_leaves_no_rows_and_fails(
    site_a, liaison_a, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The import reads the file again when the preview's stage is gone (swept after
    PSP_IMPORT_STAGE_HOURS, or SQLite, which never stages at preview)."""
    settings.PSP_IMPORT_CHUNK_ROWS = 50
    upload = services.upload_receive(
        site=site_a, kind="incidents", file=as_file(incidents_csv(200)), acting_user=liaison_a
    )
    writer.drop_upload_stage(upload.pk)
    original = writer.Stage.write
    written = []

    def write_then_die(self, frame):
        if sum(written) >= 100:  # half of the 200 rows are staged
            raise RuntimeError("worker killed")
        original(self, frame)
        written.append(len(frame))

    monkeypatch.setattr(writer.Stage, "write", write_then_die)
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    upload.refresh_from_db()
    assert sum(written) == 100
    assert upload.status == "failed"
    assert "nothing was imported" in upload.failure
    assert Incident.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not stage at preview")
def test_preview_dying_after_half_the_rows_are_staged_leaves_no_upload_and_no_stage(
    site_a, liaison_a, settings, monkeypatch
):
    settings.PSP_IMPORT_CHUNK_ROWS = 50
    original = writer.Stage.write
    written = []

    def write_then_die(self, frame):
        if sum(written) >= 100:  # half of the 200 rows are staged
            raise RuntimeError("worker killed")
        original(self, frame)
        written.append(len(frame))

    monkeypatch.setattr(writer.Stage, "write", write_then_die)
    with pytest.raises(RuntimeError):
        services.upload_receive(
            site=site_a, kind="incidents", file=as_file(incidents_csv(200)), acting_user=liaison_a
        )
    assert sum(written) == 100
    assert not Upload.objects.exists()
    assert writer.upload_stages() == {}  # the stage table went with the preview's transaction
    assert Incident.objects.count() == 0


class WorkerKilled(BaseException):
    """What a killed worker looks like from inside: nothing after it runs, nothing commits."""


def test_worker_killed_in_the_merge_commits_nothing_and_the_redelivery_merges_the_stage(
    site_a, liaison_a, monkeypatch, django_capture_on_commit_callbacks
):
    from metrics.services import uploads
    from metrics.tasks import import_upload

    monkeypatch.setattr(import_upload, "delay", lambda pk: None)
    upload = services.upload_receive(
        site=site_a, kind="incidents", file=as_file(incidents_csv(200)), acting_user=liaison_a
    )
    assert stage_exists(upload.pk) == (connection.vendor == "postgresql")
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=liaison_a)

    def merge_then_die(*args, **kwargs):
        writer.merge_incidents(*args, **kwargs)
        assert Incident.objects.count() == 200  # written, not committed
        raise WorkerKilled

    monkeypatch.setattr(uploads, "merge_incidents", merge_then_die)
    with pytest.raises(WorkerKilled):
        import_upload.run(upload.pk)
    upload.refresh_from_db()
    assert upload.status == "importing"
    assert Incident.objects.count() == 0
    # The stage survives for the redelivered task (PostgreSQL; SQLite reads the file again).
    assert stage_exists(upload.pk) == (connection.vendor == "postgresql")
    monkeypatch.setattr(uploads, "merge_incidents", writer.merge_incidents)
    import_upload.run(upload.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.rows_added, upload.rows_imported) == ("imported", 200, 200)
    assert Incident.objects.count() == 200
    assert not stage_exists(upload.pk)


def test_an_import_that_fails_drops_its_stage_and_keeps_nothing(
    site_a, liaison_a, monkeypatch, django_capture_on_commit_callbacks
):
    from metrics.services import uploads

    def merge_then_fail(*args, **kwargs):
        writer.merge_incidents(*args, **kwargs)
        raise RuntimeError("crash after the rows were written")

    monkeypatch.setattr(uploads, "merge_incidents", merge_then_fail)
    upload = confirm(site_a, liaison_a, incidents_csv(200), django_capture_on_commit_callbacks)
    assert upload.status == "failed"
    assert "nothing was imported" in upload.failure
    assert Incident.objects.count() == 0
    assert not stage_exists(upload.pk)


def test_error_inside_the_merge_rolls_back_every_row_and_the_history(
    site_a, liaison_a, run_import, monkeypatch, django_capture_on_commit_callbacks
):
    run_import(site_a, liaison_a, "month,offense,count\n2023-01,robbery,10\n")
    before = outcome_snapshot()
    from metrics.services import uploads

    def merge_then_fail(*args, **kwargs):
        writer.merge_monthly_counts(*args, **kwargs)
        assert MonthlyCount.objects.filter(site=site_a).count() == 13  # written, not committed
        raise RuntimeError("crash after the rows were written")

    monkeypatch.setattr(uploads, "merge_monthly_counts", merge_then_fail)
    corrected = (
        "month,offense,count\n"
        + "".join(f"2023-{m:02d},robbery,{20 + m}\n" for m in range(1, 13))
        + "2022-12,robbery,5\n"
    )
    upload = confirm(
        site_a, liaison_a, corrected, django_capture_on_commit_callbacks, kind="monthly_counts"
    )
    assert upload.status == "failed"
    assert outcome_snapshot() == before
    assert MonthlyCountRevision.objects.count() == 1


def test_redelivered_task_after_a_lost_worker_imports_from_the_start(
    site_a, liaison_a, django_capture_on_commit_callbacks, monkeypatch
):
    from metrics.tasks import import_upload

    monkeypatch.setattr(import_upload, "delay", lambda pk: None)  # the worker "dies" at once
    upload = services.upload_receive(
        site=site_a, kind="incidents", file=as_file(incidents_csv(30)), acting_user=liaison_a
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    Upload.objects.filter(pk=upload.pk).update(status="importing", progress=40)
    import_upload.run(upload.pk)  # the broker re-delivers the message
    upload.refresh_from_db()
    assert (upload.status, upload.progress, upload.rows_imported) == ("imported", 100, 30)
    assert Incident.objects.count() == 30


def test_200k_incidents_import_in_chunks(
    site_a, liaison_a, settings, django_capture_on_commit_callbacks
):
    settings.PSP_IMPORT_CHUNK_ROWS = 50_000
    upload = confirm(site_a, liaison_a, incidents_csv(200_000), django_capture_on_commit_callbacks)
    assert upload.status == "imported", upload.failure
    assert upload.rows_imported == 200_000
    assert Incident.objects.filter(site=site_a).count() == 200_000
    # A corrected file updates in place: same ids, nothing added.
    again = confirm(
        site_a,
        liaison_a,
        incidents_csv(200_000).replace("robbery,0,0", "robbery,0,1"),
        django_capture_on_commit_callbacks,
    )
    assert (again.rows_added, again.rows_revised) == (0, 200_000)
    assert Incident.objects.filter(site=site_a, injured=1).count() == 200_000
