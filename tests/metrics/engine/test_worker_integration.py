"""Acceptance 3: a real Celery worker on the real Redis broker computes a site's metrics after an
upload is confirmed and committed — upload → commit → worker imports → worker computes.

On PostgreSQL (CI) the worker is a separate ``celery worker`` process (prefork pool, the
production options) reading the test database. On SQLite the test database lives in memory,
which another process cannot open, so the worker runs in a thread of this process
(``celery.contrib.testing.worker``) — still a real worker consuming from Redis. Each run uses
its own queue on Redis database 8, so it never takes other work. The test is skipped, loudly,
only outside CI when no Redis answers.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, transaction
from kombu import pools as kombu_pools

from metrics import services as intake
from metrics.models import OFFENSES, MetricResult, MetricRun, Offense, UploadKind
from psp.celery import app
from tests.factories import SiteFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BROKER = os.environ.get("PSP_TEST_BROKER_URL", "redis://127.0.0.1:6379/8")
ROOT = Path(__file__).resolve().parents[3]


def _broker_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def broker_queue() -> Iterator[str]:
    """Point this process's Celery app at Redis with a queue of its own; restore afterwards."""
    if not _broker_reachable():
        message = f"NO REDIS BROKER AT {BROKER}: the real-worker integration test cannot run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    queue = f"psp-test-{uuid.uuid4().hex[:10]}"
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=queue)
    _reset_pools()
    try:
        yield queue
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
            conn.default_channel.queue_delete("celery")  # nothing of ours may linger on db 8
        import redis

        client = redis.Redis.from_url(BROKER)
        # Bindings of this and any earlier run of this test (kombu can re-declare them while
        # the worker shuts down).
        for key in client.scan_iter(match="_kombu.binding*psp-test-*"):
            client.delete(key)
        app.conf.update(saved)
        _reset_pools()


def _reset_pools() -> None:
    """Forget connections and the queue set derived from the old configuration (Celery caches
    the default queue and the worker's queue selection on the app)."""
    # ``app.pool`` is kombu's global pool for the broker URL: closing it alone would leave the
    # closed pool registered, and the next test publishing to that URL would get "Acquire on
    # closed pool". ``pools.reset()`` closes every global pool and forgets them.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    for cached in ("queues", "default_queue", "router"):
        app.amqp.__dict__.pop(cached, None)
    app.amqp._rtable = None


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(broker_queue: str) -> Iterator[None]:
    """A real worker consuming ``broker_queue``: a process on PostgreSQL, a thread on SQLite."""
    if connection.vendor == "postgresql":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.metrics.engine.worker_settings",
            "PSP_TEST_QUEUE": broker_queue,
            "DJANGO_SECRET_KEY": "integration-test-only",
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": BROKER,
            "PSP_VAR_DIR": str(settings.VAR_DIR),
            "PSP_UPLOAD_DIR": str(settings.PSP_UPLOAD_DIR),
        }
        cmd = [sys.executable, "-m", "celery", "-A", "psp", "worker", "-Q", broker_queue]
        cmd += ["-P", "prefork", "-c", "1", "--without-gossip", "--without-mingle", "-l", "INFO"]
        log = open(Path(settings.VAR_DIR) / f"{broker_queue}.log", "w+")  # noqa: SIM115
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.seek(0)
            print(log.read()[-4000:])  # shown by pytest when the test fails
            log.close()
    else:
        from celery.contrib.testing.worker import start_worker

        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[broker_queue], shutdown_timeout=30
        ):
            yield


def _wait_for(predicate, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OperationalError:  # SQLite shared memory: a writer holds the table
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("the worker did not finish in time")


def _csv(rows: list[tuple[str, str, int]]) -> bytes:
    return ("month,offense,count\n" + "".join(f"{m},{o},{c}\n" for m, o, c in rows)).encode()


@pytest.fixture
def offenses() -> None:
    """The offense codes (a data migration's rows), which an earlier transactional test's
    flush may have emptied."""
    for order, (code, name, derived) in enumerate(OFFENSES, start=1):
        Offense.objects.get_or_create(
            code=code, defaults={"name": name, "is_derived": derived, "order": order}
        )


def test_real_worker_imports_and_computes_after_commit(offenses, worker):
    admin = UserFactory(role="admin", email="integration-admin@example.gov")
    site = SiteFactory(population=80_000, engagement_start=dt.date(2022, 1, 1))
    # Violent crime 16 a month before the engagement (Jan 2022), 12 a month after.
    before = {"homicide": 1, "rape": 2, "robbery": 5, "aggravated_assault": 8}
    after = {"homicide": 0, "rape": 1, "robbery": 4, "aggravated_assault": 7}
    rows = [
        (f"{year}-{month:02d}", code, count)
        for year in (2020, 2021, 2022, 2023)
        for month in range(1, 13)
        for code, count in (before if year < 2022 else after).items()
    ]
    upload = intake.upload_receive(
        site=site,
        kind=UploadKind.MONTHLY_COUNTS,
        file=ContentFile(_csv(rows), name="counts.csv"),
        acting_user=admin,
    )
    assert upload.status == "validated", upload.errors[:3]
    with transaction.atomic():
        intake.upload_confirm(upload=upload, acting_user=admin)
        # Nothing is published before the commit: no worker could see the upload yet.
        assert not MetricRun.objects.filter(site=site).exists()

    run = _wait_for(
        lambda: MetricRun.objects.filter(site=site, status__in=["succeeded", "failed"]).first()
    )
    assert run.status == "succeeded", run.error
    assert run.trigger == "import" and run.outcome == "written"

    pp = MetricResult.objects.get(
        site=site,
        metric="prepost_rate_ratio",
        offense="violent_crime",
        params__window_months=24,
    )
    assert (pp.value["c_pre"], pp.value["c_post"]) == (16 * 24, 12 * 24)
    assert pp.value["rr"] == pytest.approx(0.75)
    ytd = MetricResult.objects.get(site=site, metric="ytd_change", offense="violent_crime")
    assert (ytd.value["ytd"], ytd.value["prev_ytd"]) == (12 * 12, 12 * 12)
    assert ytd.value["as_of"] == "2023-12"
