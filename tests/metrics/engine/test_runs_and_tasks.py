"""Recompute requests, the Celery tasks and their reliability options (docs/reliability.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.utils import OperationalError

from metrics import tasks
from metrics.models import MetricResult, MetricRun
from metrics.models.results import TASK_SOFT_TIME_LIMIT, TASK_TIME_LIMIT
from metrics.services import runs as services
from psp.celery import app
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_request_creates_a_pending_run_and_enqueues_only_after_commit(
    engaged_site, pm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.metric_run_request(site=engaged_site, acting_user=pm)
    assert run.status == "pending" and run.requested_by == pm
    assert len(callbacks) == 1
    assert not MetricResult.objects.exists()  # nothing ran before the commit
    callbacks[0]()
    run.refresh_from_db()
    assert (run.status, run.progress, run.outcome) == ("succeeded", 100, "written")
    assert run.results_written == MetricResult.objects.filter(site=engaged_site).count() > 0
    assert run.started_at <= run.finished_at


def test_a_second_request_while_one_waits_reuses_it(
    engaged_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.metric_run_request(site=engaged_site)
        second = services.metric_run_request(site=engaged_site)
    assert first.pk == second.pk
    assert MetricRun.objects.count() == 1


def test_rerunning_the_task_is_idempotent(engaged_site):
    tasks.recompute_site.delay(engaged_site.pk)
    ids = set(MetricResult.objects.values_list("id", flat=True))
    tasks.recompute_site.delay(engaged_site.pk)
    assert set(MetricResult.objects.values_list("id", flat=True)) == ids
    outcomes = list(MetricRun.objects.order_by("id").values_list("trigger", "outcome"))
    assert outcomes == [("import", "written"), ("import", "unchanged")]


def test_task_for_a_deleted_site_or_run_returns_quietly(engaged_site):
    assert tasks.recompute_site.delay(987654).get() == "site_gone"
    assert tasks.recompute_site.delay(engaged_site.pk, 987654).get() == "run_gone"


def test_a_failing_compute_is_recorded_on_the_run(engaged_site, monkeypatch):
    def boom(**_):
        raise RuntimeError("the statistics broke")

    monkeypatch.setattr(services, "metrics_compute_site", boom)
    run = MetricRun.objects.create(site=engaged_site)
    assert tasks.recompute_site.delay(engaged_site.pk, run.pk).get() == "failed"
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error == "RuntimeError: the statistics broke"
    assert run.finished_at is not None


def test_transient_database_errors_are_retried_then_recorded(engaged_site, monkeypatch):
    def flaky(**_):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(services, "metrics_compute_site", flaky)
    run = MetricRun.objects.create(site=engaged_site)
    with pytest.raises(OperationalError):
        services.metric_run_execute(site_id=engaged_site.pk, run_id=run.pk, final_attempt=False)
    run.refresh_from_db()
    assert run.status == "running" and "Retrying" in run.error
    with pytest.raises(OperationalError):
        services.metric_run_execute(site_id=engaged_site.pk, run_id=run.pk, final_attempt=True)
    run.refresh_from_db()
    assert run.status == "failed" and "server closed the connection" in run.error
    assert run.attempts == 2


def test_task_options_follow_the_reliability_rules():
    task = tasks.recompute_site
    assert task.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 5
    assert (
        0
        < TASK_SOFT_TIME_LIMIT
        < TASK_TIME_LIMIT
        < app.conf.broker_transport_options["visibility_timeout"]
    )
    assert (task.soft_time_limit, task.time_limit) == (TASK_SOFT_TIME_LIMIT, TASK_TIME_LIMIT)


def test_beat_schedules_the_nightly_recompute_of_every_site(db, django_capture_on_commit_callbacks):
    entry = app.conf.beat_schedule["nightly-metrics"]
    assert entry["task"] == tasks.recompute_all_sites.name
    SiteFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recompute_all_sites.delay().get() == 3
    assert MetricRun.objects.filter(trigger="nightly", status="succeeded").count() == 3


def test_an_unreachable_broker_fails_the_run_instead_of_hanging(engaged_site):
    class Down:
        def delay(self, *args):
            raise ConnectionRefusedError("redis is down")

    run = MetricRun.objects.create(site=engaged_site)
    services._enqueue(Down(), engaged_site.pk, run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "task queue" in run.error


def test_a_run_still_running_past_the_hard_limit_shows_as_lost(engaged_site):
    from django.utils import timezone

    run = MetricRun.objects.create(
        site=engaged_site,
        status="running",
        started_at=timezone.now() - dt.timedelta(seconds=TASK_TIME_LIMIT + 120),
    )
    assert run.is_overdue()
    run.started_at = timezone.now()
    assert not run.is_overdue()
