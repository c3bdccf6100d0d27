"""The import through a REAL Celery worker on the real Redis (db 9), not eager mode.

The worker runs in a thread of this process (``celery.contrib.testing.worker.start_worker``), so
it reaches the test database on SQLite (shared in-memory database) and PostgreSQL alike; the
message goes through Redis, is acknowledged late and runs the same task code as production.
"""

from __future__ import annotations

import threading
import time

import pytest
import redis
from django.db import connection
from kombu import pools as kombu_pools

from metrics import services
from metrics.models import MonthlyCount, Upload
from psp.celery import app
from tests.metrics.conftest import as_file

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

BROKER = "redis://127.0.0.1:6379/9"


def _reset_connections() -> None:
    """Drop pooled broker connections (an earlier test may have made them for another URL)."""
    # ``app.pool`` is kombu's global pool for the broker URL: closing it alone would leave the
    # closed pool registered, and the next test publishing to that URL would get "Acquire on
    # closed pool". ``pools.reset()`` closes every global pool and forgets them.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def real_worker(offense_codes):
    from celery.contrib.testing.worker import start_worker

    redis.Redis.from_url(BROKER).flushdb()
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    _reset_connections()  # connections are made from the new broker URL
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"
        ):
            yield
    finally:
        app.conf.update(saved)
        _reset_connections()
        redis.Redis.from_url(BROKER).flushdb()


def wait_for(upload: Upload, timeout: float = 60) -> Upload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.status in ("imported", "failed"):
            return upload
        time.sleep(0.2)
    raise AssertionError(f"the worker did not finish the import (status {upload.status})")


def test_import_runs_through_a_real_worker_on_redis(real_worker, site_a, liaison_a, monkeypatch):
    threads = []
    original = services.upload_import

    def record_thread(**kwargs):
        threads.append(threading.get_ident())
        return original(**kwargs)

    monkeypatch.setattr(services, "upload_import", record_thread)
    csv = "month,offense,count\n" + "".join(
        f"{2015 + i // 12}-{i % 12 + 1:02d},robbery,{10 + i % 7}\n" for i in range(96)
    )
    upload = services.upload_receive(
        site=site_a, kind="monthly_counts", file=as_file(csv), acting_user=liaison_a
    )
    services.upload_confirm(upload=upload, acting_user=liaison_a)  # commits, then publishes
    upload = wait_for(upload)
    assert upload.status == "imported", upload.failure
    assert (upload.progress, upload.rows_imported) == (100, 96)
    assert MonthlyCount.objects.filter(site=site_a).count() == 96
    assert upload.started_at is not None and upload.finished_at is not None
    assert threads and threads[0] != threading.get_ident()  # the worker ran it, not this test
    assert connection.vendor in ("sqlite", "postgresql")
