"""The one retry policy of the project's Celery tasks.

Only transient database errors are retried (the database went away or was busy); anything else
fails once and is reported. Retries back off exponentially with full jitter, capped, a bounded
number of times; a task learns from :func:`is_final_attempt` that no retry follows, so its
service can mark the row it works on failed with the reason before the error propagates.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from django.db.utils import InterfaceError, OperationalError

TRANSIENT_ERRORS: Final[tuple[type[Exception], ...]] = (OperationalError, InterfaceError)

# Retries 1–5 wait a random 0–5, 0–10, 0–20, 0–40, 0–60 s: about two minutes at most in all, so
# a database restart is ridden out while the upload or run is not left pending for long.
MAX_RETRIES: Final = 5

RETRY_POLICY: Final[dict[str, Any]] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}


class _Request(Protocol):
    retries: int


class _BoundTask(Protocol):
    request: _Request
    max_retries: int | None


def is_final_attempt(task: _BoundTask) -> bool:
    """Whether a transient error in this run of ``task`` will not be retried."""
    return task.max_retries is not None and task.request.retries >= task.max_retries
