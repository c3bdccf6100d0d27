"""Celery application.

Configured from Django settings. The reliability choices follow docs/reliability.md: a task
whose worker dies is re-queued (acks late + reject on worker lost), tasks are idempotent and
bounded in time below the broker's visibility timeout, JSON only.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.base")

IN_PROCESS_BROKER = "memory://localhost/"

app = Celery("psp")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_configure.connect  # type: ignore[untyped-decorator]
def _configure(sender: Celery, **_: object) -> None:
    from django.conf import settings

    visibility = settings.CELERY_VISIBILITY_TIMEOUT
    transport = {
        "visibility_timeout": visibility,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
    sender.conf.update(
        # In-process (no broker configured): an in-memory transport with a host, so kombu has
        # nothing to warn about ("No hostname was supplied").
        broker_url=settings.CELERY_BROKER_URL or IN_PROCESS_BROKER,
        task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER,
        task_eager_propagates=settings.CELERY_TASK_EAGER_PROPAGATES,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=50,
        task_ignore_result=True,
        task_time_limit=min(900, visibility - 60),
        task_soft_time_limit=min(840, visibility - 120),
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        timezone=settings.TIME_ZONE,
        beat_schedule={
            # Nightly recompute regardless of new data (metrics issue fills the task in).
            "nightly-metrics": {
                "task": "metrics.tasks.recompute_all_sites",
                "schedule": crontab(hour=2, minute=30),
            },
            # Uploads waiting for a queue that was down, or importing on a worker that died.
            "sweep-uploads": {
                "task": "metrics.tasks.sweep_uploads",
                "schedule": crontab(minute="*/2"),
            },
            # Issue 15: overdue and due-soon notifications, and the weekly digest (sent on the
            # first run from 07:00 on Monday in each person's zone), every hour.
            "notifications-due": {
                "task": "notifications.tasks.notifications_due",
                "schedule": crontab(minute=5),
            },
            # Issue 15: send the email outbox (each row at most once).
            "flush-outbox": {
                "task": "notifications.tasks.flush_outbox",
                "schedule": crontab(minute="*/2"),
            },
        },
    )


app.autodiscover_tasks()
