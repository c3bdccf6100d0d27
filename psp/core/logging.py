"""Logging helpers for the settings' LOGGING dictionary.

An ordinary refusal (403, 404, 400) is a line in the log, not a traceback: the request logger
keeps the status and path and drops the exception it was raised with. Server errors (5xx) keep
their traceback.
"""

from __future__ import annotations

import logging


class QuietClientErrors(logging.Filter):
    """Strip the traceback from django.request records about a 4xx response."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
