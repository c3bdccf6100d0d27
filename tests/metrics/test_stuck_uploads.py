"""No upload stays stuck (issue 21, M1/M2): a task queue down at confirmation, a worker that dies
mid-import, and the retry and discard that let a person send the same file again.

The fast tests stand the queue in with a stub; ``test_fault_*`` use real processes — a
redis-server of their own on a free port (never the shared one) and ``celery worker``
processes on the test database — and need PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu import pools as kombu_pools

from metrics import services
from metrics.models import Incident, MonthlyCount, Upload
from metrics.services import sweep
from metrics.services import uploads as upload_services
from psp.celery import app
from tests.metrics.conftest import as_file
from tests.processes import RedisServer, wait_until

COUNTS = "month,offense,count\n2024-01,robbery,3\n2024-02,robbery,4\n"
ROOT = Path(__file__).resolve().parents[2]


class _QueueDown:
    def delay(self, *args: object) -> None:
        raise ConnectionRefusedError("Error 111 connecting to 10.0.0.9:6390. Connection refused.")


@pytest.fixture
def queue_down(monkeypatch):
    import metrics.tasks

    monkeypatch.setattr(metrics.tasks, "import_upload", _QueueDown())


def _received(site, user, content=COUNTS, name="counts.csv") -> Upload:
    return services.upload_receive(
        site=site, kind="monthly_counts", file=as_file(content, name), acting_user=user
    )


@pytest.mark.django_db
def test_a_queue_down_at_confirmation_leaves_the_upload_waiting_not_a_500(
    queue_down, client_for, liaison_a, site_a, django_capture_on_commit_callbacks
):
    upload = _received(site_a, liaison_a)
    c = client_for(liaison_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("metrics:upload_confirm", args=[site_a.slug, upload.pk]))
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == "waiting"
    page = c.get(upload.get_absolute_url()).content.decode()
    assert "Waiting to be queued" in page and "Queue again" in page
    assert "10.0.0.9" not in page and "6390" not in page  # the reason names no address


@pytest.mark.django_db
def test_queue_again_by_hand_or_by_the_sweeper_once_the_queue_is_back(
    queue_down, monkeypatch, client_for, liaison_a, site_a, django_capture_on_commit_callbacks
):
    first, second = _received(site_a, liaison_a), _received(site_a, liaison_a, COUNTS + "\n")
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=first, acting_user=liaison_a)
        services.upload_confirm(upload=second, acting_user=liaison_a)
    assert set(sweep.uploads_sweep().still_waiting) == {first.pk, second.pk}
    assert set(Upload.objects.values_list("status", flat=True)) == {"waiting"}

    monkeypatch.undo()  # the queue is back (eager in tests: the import runs at once)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(liaison_a).post(reverse("metrics:upload_requeue", args=[site_a.slug, first.pk]))
    first.refresh_from_db()
    assert first.status == "imported"
    result = sweep.uploads_sweep()
    second.refresh_from_db()
    assert result.requeued == [second.pk] and second.status == "imported"
    assert MonthlyCount.objects.filter(site=site_a).count() == 2


@pytest.mark.django_db
def test_the_sweeper_fails_an_import_no_worker_has_and_leaves_live_ones_alone(site_a, liaison_a):
    now = timezone.now()
    lost, live, young = (_received(site_a, liaison_a, COUNTS + "\n" * i) for i in range(3))
    Upload.objects.filter(pk__in=[lost.pk, live.pk]).update(
        status="importing", started_at=now - dt.timedelta(minutes=5)
    )
    Upload.objects.filter(pk=young.pk).update(status="importing", started_at=now)
    result = sweep.uploads_sweep(now=now, in_workers={live.pk})
    assert result.failed == [lost.pk]
    statuses = dict(Upload.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "failed", live.pk: "importing", young.pk: "importing"}
    assert "worker importing this file stopped" in Upload.objects.get(pk=lost.pk).failure


@pytest.mark.django_db
def test_when_no_worker_can_be_asked_only_imports_past_the_hard_limit_are_failed(site_a, liaison_a):
    now = timezone.now()
    old, recent = _received(site_a, liaison_a), _received(site_a, liaison_a, COUNTS + "\n")
    Upload.objects.filter(pk=old.pk).update(
        status="importing", started_at=now - dt.timedelta(hours=1)
    )
    Upload.objects.filter(pk=recent.pk).update(
        status="importing", started_at=now - dt.timedelta(minutes=5)
    )
    assert sweep.uploads_sweep(now=now, in_workers=None).failed == [old.pk]


@pytest.mark.django_db
def test_nothing_to_sweep_changes_nothing(site_a, liaison_a, run_import):
    imported = run_import(site_a, liaison_a, COUNTS)
    pending = _received(site_a, liaison_a, COUNTS + "\n")
    result = sweep.uploads_sweep(now=timezone.now() + dt.timedelta(days=1), in_workers=set())
    assert (result.requeued, result.still_waiting, result.failed) == ([], [], [])
    assert dict(Upload.objects.values_list("pk", "status")) == {
        imported.pk: "imported",
        pending.pk: "validated",
    }


@pytest.mark.django_db
def test_a_failed_import_can_be_retried_from_the_page(
    client_for, liaison_a, site_a, django_capture_on_commit_callbacks
):
    upload = _received(site_a, liaison_a)
    Upload.objects.filter(pk=upload.pk).update(status="failed", failure=sweep.LOST_REASON)
    c = client_for(liaison_a)
    page = c.get(upload.get_absolute_url()).content.decode()
    assert "worker importing this file stopped" in page and "Retry the import" in page
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("metrics:upload_retry", args=[site_a.slug, upload.pk]))
    upload.refresh_from_db()
    assert upload.status == "imported" and upload.failure == ""
    assert MonthlyCount.objects.filter(site=site_a).count() == 2


@pytest.mark.django_db
def test_only_a_failed_import_can_be_retried(liaison_a, site_a, run_import):
    imported = run_import(site_a, liaison_a, COUNTS)
    with pytest.raises(Exception, match="Only a failed import can be retried"):
        services.upload_retry(upload=imported, acting_user=liaison_a)


@pytest.mark.django_db
def test_a_refused_upload_can_be_discarded_and_the_same_file_sent_again(
    client_for, liaison_a, site_a, django_capture_on_commit_callbacks
):
    bad = "month,offense,count\n2024-01,robbery,-1\n"
    upload = _received(site_a, liaison_a, bad)
    assert upload.status == "invalid"
    stored = Path(upload.file.path)
    c = client_for(liaison_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("metrics:upload_discard", args=[site_a.slug, upload.pk]))
    assert response.status_code == 302
    assert not Upload.objects.exists() and not stored.exists()
    again = _received(site_a, liaison_a, bad)
    assert again.status == "invalid"


@pytest.mark.django_db
def test_an_imported_upload_cannot_be_discarded(client_for, liaison_a, site_a, run_import):
    imported = run_import(site_a, liaison_a, COUNTS)
    c = client_for(liaison_a)
    c.post(reverse("metrics:upload_discard", args=[site_a.slug, imported.pk]))
    assert Upload.objects.filter(pk=imported.pk, status="imported").exists()
    assert MonthlyCount.objects.filter(site=site_a).count() == 2


@pytest.mark.django_db
def test_read_only_roles_cannot_retry_or_discard(client_for, partner_a, site_a, liaison_a):
    upload = _received(site_a, liaison_a)
    Upload.objects.filter(pk=upload.pk).update(status="failed")
    c = client_for(partner_a)
    for name in ("upload_retry", "upload_discard", "upload_requeue"):
        assert c.post(reverse(f"metrics:{name}", args=[site_a.slug, upload.pk])).status_code in (
            403,
            404,
        )
    assert Upload.objects.get(pk=upload.pk).status == "failed"


@pytest.mark.django_db
def test_the_sweep_command_reports_what_it_did(site_a, liaison_a, capsys):
    upload = _received(site_a, liaison_a)
    Upload.objects.filter(pk=upload.pk).update(
        status="importing", started_at=timezone.now() - dt.timedelta(hours=1)
    )
    call_command("sweep_uploads")
    out = capsys.readouterr().out
    assert "failed (no worker had them): 1" in out and f"upload #{upload.pk}" in out


def test_beat_runs_the_sweeper_every_two_minutes():
    entry = app.conf.beat_schedule["sweep-uploads"]
    assert entry["task"] == "metrics.tasks.sweep_uploads"


# --- fault tests with real processes --------------------------------------------------------


def _reset_pools() -> None:
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    for cached in ("queues", "default_queue", "router"):
        app.amqp.__dict__.pop(cached, None)
    app.amqp._rtable = None


@pytest.fixture
def own_redis(tmp_path, settings) -> Iterator[RedisServer]:
    if connection.vendor != "postgresql":
        pytest.fail("the fault tests need PostgreSQL (a worker process shares the database)")
    server = RedisServer(tmp_path)
    server.start()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = server.url
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    queue = f"psp-fault-{uuid.uuid4().hex[:8]}"
    app.conf.update(broker_url=server.url, task_always_eager=False, task_default_queue=queue)
    _reset_pools()
    server.queue = queue
    try:
        yield server
    finally:
        app.conf.update(saved)
        _reset_pools()
        server.stop()


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A ``celery worker`` process (prefork, one child) in a session of its own, so that the
    whole worker — parent and child — can be killed at once."""

    def __init__(self, server: RedisServer, log_path: Path) -> None:
        self.server = server
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.metrics.engine.worker_settings",
            "PSP_TEST_QUEUE": self.server.queue,
            "DJANGO_SECRET_KEY": "fault-test-only",
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": self.server.url,
            "PSP_VAR_DIR": str(settings.VAR_DIR),
            "PSP_UPLOAD_DIR": str(settings.PSP_UPLOAD_DIR),
            "PSP_IMPORT_CHUNK_ROWS": "2000",
        }
        cmd = [sys.executable, "-m", "celery", "-A", "psp", "worker", "-Q", env["PSP_TEST_QUEUE"]]
        cmd += ["-P", "prefork", "-c", "1", "--without-gossip", "--without-mingle", "-l", "INFO"]
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the child's exit
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def worker(own_redis, tmp_path) -> Iterator[Worker]:
    w = Worker(own_redis, tmp_path / "worker.log")
    try:
        yield w
    finally:
        w.stop()
        print(w.log_path.read_text(errors="replace")[-4000:])


def _status(upload: Upload) -> str:
    upload.refresh_from_db()
    return upload.status


@pytest.mark.django_db(transaction=True)
def test_fault_redis_stopped_at_confirmation_then_back(
    own_redis, worker, offense_codes, site_a, liaison_a, client_for
):
    upload = _received(site_a, liaison_a)
    own_redis.stop()
    response = client_for(liaison_a).post(
        reverse("metrics:upload_confirm", args=[site_a.slug, upload.pk])
    )
    assert response.status_code == 302
    assert _status(upload) == "waiting"
    assert sweep.uploads_sweep().still_waiting == [upload.pk]  # still down: still waiting
    assert _status(upload) == "waiting"

    own_redis.start()
    _reset_pools()
    worker.start()
    assert sweep.uploads_sweep().requeued == [upload.pk]
    wait_until(lambda: _status(upload) in ("imported", "failed"), what="the import")
    assert upload.status == "imported", upload.failure
    assert MonthlyCount.objects.filter(site=site_a, upload=upload).count() == 2


def _incidents(rows: int) -> str:
    lines = ["id,date,offense,latitude,longitude"]
    lines += [f"I{i},2023-{i % 12 + 1:02d}-05,robbery,37.68,-97.33" for i in range(rows)]
    return "\n".join(lines) + "\n"


@pytest.mark.django_db(transaction=True)
def test_fault_the_whole_worker_killed_mid_import_then_restarted(
    own_redis, worker, offense_codes, site_a, liaison_a
):
    upload = services.upload_receive(
        site=site_a,
        kind="incidents",
        file=as_file(_incidents(200_000), "incidents.csv"),
        acting_user=liaison_a,
    )
    assert upload.status == "validated", upload.errors
    worker.start()
    services.upload_confirm(upload=upload, acting_user=liaison_a)
    wait_until(
        lambda: _status(upload) == "importing" and upload.progress > 0,
        what="the import's first chunk",
    )
    worker.kill()  # parent and child, mid-import
    time.sleep(1)
    upload.refresh_from_db()
    assert upload.status == "importing"  # what the user would see for an hour without a sweep
    assert Incident.objects.filter(site=site_a).count() == 0

    worker.start()
    answers: list[set[int]] = []
    wait_until(
        lambda: (found := sweep.imports_in_workers()) is not None and not answers.append(found),
        what="the restarted worker's answer",
    )
    in_workers = answers[0]
    assert upload.pk not in in_workers
    result = sweep.uploads_sweep(now=timezone.now() + sweep.GRACE, in_workers=in_workers)
    assert result.failed == [upload.pk]
    assert result.stages_dropped == [upload.pk]  # the preview's stage goes with the crash
    upload.refresh_from_db()
    assert upload.status == "failed" and "worker importing this file stopped" in upload.failure

    services.upload_retry(upload=upload, acting_user=liaison_a)
    wait_until(lambda: _status(upload) in ("imported", "failed"), what="the retried import")
    assert upload.status == "imported", upload.failure
    assert Incident.objects.filter(site=site_a).count() == 200_000  # exactly once
    assert upload_services.upload_import(upload_id=upload.pk).status == "imported"  # redelivery
    assert Incident.objects.filter(site=site_a).count() == 200_000
