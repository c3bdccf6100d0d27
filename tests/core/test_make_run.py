"""`make run` without friction (docs/design.md §7): local mode shows the friendly error pages,
the in-process broker raises no kombu warning, and an ordinary 403 is one log line without a
traceback."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from psp.core.logging import QuietClientErrors

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "psp.settings.base"
django.setup()
from django.conf import settings
from django.test import Client
from psp.celery import app
print("DEBUG", settings.DEBUG)
response = Client(HTTP_HOST="127.0.0.1").get("/no-such-page/")
body = response.content.decode()
print("STATUS", response.status_code)
print("TECHNICAL", "URLconf" in body or "urlpatterns" in body)
print("FRIENDLY", "Page not found" in body and "We could not find that page" in body)
with app.connection_for_write() as connection:
    print("BROKER", connection.as_uri())
"""


def _run_like_make_run(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "PSP_", "CELERY_", "REDIS_"))
    }
    # The variables `make run` sets (Makefile, DEMO_ENV), on a throwaway SQLite folder.
    env.update({"PSP_LOCAL": "1", "PSP_DEMO": "1", "PSP_VAR_DIR": str(tmp_path)})
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_make_run_sets_local_mode_not_debug() -> None:
    line = next(x for x in (ROOT / "Makefile").read_text().splitlines() if "DEMO_ENV :=" in x)
    assert "PSP_LOCAL=1" in line and "PSP_DEMO=1" in line
    assert "DJANGO_DEBUG" not in line


def test_a_mistyped_link_in_local_mode_shows_the_friendly_404_and_no_kombu_warning(
    tmp_path: Path,
) -> None:
    result = _run_like_make_run(tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert "DEBUG False" in out
    assert "STATUS 404" in out
    assert "TECHNICAL False" in out, "Django's technical 404 lists every URL pattern"
    assert "FRIENDLY True" in out
    assert any(x.startswith("BROKER memory://") and "localhost" in x for x in out)
    assert "No hostname was supplied" not in result.stderr


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_refused_request_is_logged_once_without_a_traceback(client_for, liaison_a) -> None:
    request_logger = logging.getLogger("django.request")
    keep = _Keep()
    request_logger.addHandler(keep)
    try:
        response = client_for(liaison_a).get("/accounts/users/")
    finally:
        request_logger.removeHandler(keep)
    assert response.status_code == 403
    [record] = keep.records
    assert record.status_code == 403  # type: ignore[attr-defined]
    assert record.exc_info is None, "an ordinary 403 printed its traceback"
    # Printed once: the request logger writes to one console and does not propagate to the
    # root's console as well; neither does "django" (Django's default adds a second console).
    # (pytest adds its own capture handlers; the consoles are the plain StreamHandlers.)
    for name in ("django.request", "django"):
        logger = logging.getLogger(name)
        consoles = [h for h in logger.handlers if type(h) is logging.StreamHandler]
        assert not logger.propagate and len(consoles) == 1, name
    assert settings.LOGGING["loggers"]["django.request"]["filters"] == ["quiet_client_errors"]


def test_server_errors_keep_their_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    for status, kept in ((500, True), (403, False), (404, False)):
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), exc_info)
        record.status_code = status
        assert QuietClientErrors().filter(record)
        assert (record.exc_info is not None) is kept
