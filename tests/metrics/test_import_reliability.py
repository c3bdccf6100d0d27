"""After an import the site's metrics are recomputed through ``metric_run_request`` (one run
row, de-duplicated, recording a broker that cannot be reached)."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError as BrokerUnreachable

from metrics import services
from metrics.engine.services import metric_run_request
from metrics.models import MetricRun, Upload
from metrics.tasks import recompute_site
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
