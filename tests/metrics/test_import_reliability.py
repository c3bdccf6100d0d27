"""After an import the site's metrics are recomputed through ``metric_run_request`` (one run
row, de-duplicated, recording a broker that cannot be reached), and the import task follows the
same retry policy as the recompute tasks (psp/core/retry.py)."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError
from kombu.exceptions import OperationalError as BrokerUnreachable

from metrics import services
from metrics.models import MetricRun, Upload
from metrics.services import uploads
from metrics.services.runs import metric_run_request
from metrics.tasks import import_upload, recompute_all_sites, recompute_site
from psp.celery import app
from psp.core.retry import MAX_RETRIES, TRANSIENT_ERRORS
from tests.metrics.conftest import as_file

pytestmark = pytest.mark.django_db

CSV = "month,offense,count\n2024-01,robbery,10\n"


def confirmed(site, user) -> Upload:
    """An upload confirmed for import, its import task not run (the test's transaction never
    commits, so the on-commit enqueue does not happen)."""
    upload = services.upload_receive(
        site=site, kind="monthly_counts", file=as_file(CSV), acting_user=user
    )
    return services.upload_confirm(upload=upload, acting_user=user)


def test_an_import_requests_a_recompute_run_enqueued_after_commit(
    site_a, liaison_a, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(recompute_site, "delay", lambda *ids: queued.append(ids))
    upload = confirmed(site_a, liaison_a)
    with django_capture_on_commit_callbacks() as callbacks:
        services.upload_import(upload_id=upload.pk)
        assert queued == []
    run = MetricRun.objects.get(site=site_a)
    assert (run.trigger, run.status, run.requested_by) == ("import", "pending", liaison_a)
    for callback in callbacks:
        callback()
    assert queued == [(site_a.pk, run.pk)]


def test_an_import_while_a_run_waits_reuses_that_run(
    site_a, liaison_a, pm, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(recompute_site, "delay", lambda *ids: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        waiting = metric_run_request(site=site_a, acting_user=pm)
    upload = confirmed(site_a, liaison_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_import(upload_id=upload.pk)
    assert list(MetricRun.objects.filter(site=site_a)) == [waiting]
    assert queued == [(site_a.pk, waiting.pk)]  # computes once, on the imported data


def test_with_the_broker_down_after_an_import_the_run_records_why_metrics_are_stale(
    site_a, liaison_a, django_capture_on_commit_callbacks, monkeypatch
):
    def down(*_: int) -> None:
        raise BrokerUnreachable("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(recompute_site, "delay", down)
    upload = confirmed(site_a, liaison_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_import(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == "imported"  # the data is in; only the recompute is missing
    run = MetricRun.objects.get(site=site_a)
    assert (run.trigger, run.status) == ("import", "failed")
    assert run.error.startswith("Could not reach the task queue: OperationalError")
    assert "Connection refused" in run.error
    assert run.finished_at is not None


def test_every_metrics_task_follows_the_one_retry_policy():
    for task in (import_upload, recompute_site, recompute_all_sites):
        assert tuple(task.autoretry_for) == TRANSIENT_ERRORS, task.name
        assert task.retry_backoff and task.retry_jitter, task.name
        assert task.retry_backoff_max == 60, task.name
        assert task.max_retries == MAX_RETRIES, task.name
        assert task.acks_late is True, task.name


def test_a_validation_error_is_not_retried():
    assert not any(issubclass(ValueError, e) for e in TRANSIENT_ERRORS)


def test_the_import_retries_a_database_error_then_marks_the_upload_failed(
    site_a, liaison_a, monkeypatch
):
    attempts: list[int] = []

    def db_down(*_: object, **__: object) -> None:
        attempts.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(uploads, "merge_monthly_counts", db_down)
    upload = confirmed(site_a, liaison_a)
    # Eager mode runs each retry at once (the countdown is the worker's business); the retries
    # are applied without ``throw``, so propagation is turned off to let them run.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    result = import_upload.apply(args=[upload.pk])
    assert result.state == "FAILURE" and isinstance(result.result, OperationalError)
    assert len(attempts) == 1 + MAX_RETRIES
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert upload.failure == (
        "The database was unavailable (server closed the connection unexpectedly)."
    )
    assert not MetricRun.objects.exists()


def test_an_import_attempt_that_will_be_retried_leaves_the_upload_to_the_retry(
    site_a, liaison_a, monkeypatch
):
    def db_down(*_: object, **__: object) -> None:
        raise OperationalError("the database is starting up")

    monkeypatch.setattr(uploads, "merge_monthly_counts", db_down)
    upload = confirmed(site_a, liaison_a)
    with pytest.raises(OperationalError):
        services.upload_import(upload_id=upload.pk, final_attempt=False)
    upload.refresh_from_db()
    assert (upload.status, upload.failure) == ("importing", "")
    monkeypatch.undo()
    services.upload_import(upload_id=upload.pk)  # the retry imports from the start
    upload.refresh_from_db()
    assert upload.status == "imported"
