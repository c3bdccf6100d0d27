"""Health probes for ``GET /readyz``: database, broker and worker (``/healthz`` is liveness only).

A probe's error names the exception's type, never its message: a broker's message carries its
host and port, and the readiness report is meant for operators' dashboards, not for diagnosis.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    """Ping the broker; the embedded default runs tasks in-process and has none."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    from psp.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "mode": "redis"}


def check_workers() -> dict[str, Any]:
    """Count workers answering a ping. Informational: a broker with no worker is reported, and
    the page stays 200 so a web container does not restart because workers are still starting."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process", "count": 0}
    from psp.celery import app

    try:
        replies = app.control.inspect(timeout=1.0).ping() or {}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "count": 0, "error": type(exc).__name__}
    return {"ok": bool(replies), "count": len(replies)}
