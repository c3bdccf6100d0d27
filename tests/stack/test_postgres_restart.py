"""Issue 21, acceptance 3: PostgreSQL restarted under load, in the production configuration.

The stack of tests/stack/stack.py (gunicorn and a real Celery worker on the production
settings) on a PostgreSQL cluster of the test's own. A liaison imports a file through the web
while another keeps reading the data page; mid-import the database server is restarted as an
operator would (a fast shutdown that cuts every connection, then a start). Requests may fail
while the server is down, but none once it is back (``CONN_HEALTH_CHECKS``: a pooled
connection the restart cut is replaced before a request uses it), and the import ends exactly
once: the worker's transient-error retry imports the whole file again from the start.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.processes import PostgresServer, wait_until
from tests.stack.stack import LIAISON, PASSWORD, SLUG, Stack, WebUser
from tests.stack.test_production_stack import import_status

pytestmark = pytest.mark.integration

ROWS = 150_000


def incidents(rows: int) -> str:
    lines = ["id,date,offense,latitude,longitude"]
    lines += [f"I{i},2023-{i % 12 + 1:02d}-05,robbery,37.68,-97.33" for i in range(rows)]
    return "\n".join(lines) + "\n"


class Reader(threading.Thread):
    """Someone reading the site's data page over and over: (start, end, status) of each try,
    status 0 for a connection error."""

    def __init__(self, user: WebUser) -> None:
        super().__init__(daemon=True)
        self.user = user
        self.seen: list[tuple[float, float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            start = time.monotonic()
            try:
                status = self.user.get(f"/sites/{SLUG}/data/").status_code
            except requests.RequestException:
                status = 0
            self.seen.append((start, time.monotonic(), status))
            time.sleep(0.05)


def count_incidents(stack: Stack) -> int:
    code = "from metrics.models import Incident\n"
    code += f"print(Incident.objects.filter(site__slug='{SLUG}').count())"
    return int(stack.shell(code).strip().splitlines()[-1])


def test_requests_and_an_import_recover_from_a_postgres_restart(
    stack: Stack, postgres: PostgresServer
):
    reader: Reader | None = None
    try:
        liaison = WebUser(stack.url)
        liaison.sign_in(LIAISON, PASSWORD)
        other = WebUser(stack.url)
        other.sign_in(LIAISON, PASSWORD)

        response = liaison.post_form(
            f"/sites/{SLUG}/data/",
            f"/sites/{SLUG}/data/upload/",
            {
                "kind": "incidents",
                "preset": "",
                "coverage_start": "2023-01",
                "coverage_end": "2023-12",
            },
            files={"file": ("incidents.csv", incidents(ROWS).encode(), "text/csv")},
        )
        assert response.status_code == 200
        page = response.url.removeprefix(stack.url)
        assert import_status(liaison, page) == "validated", response.text[-2000:]

        reader = Reader(other)
        reader.start()
        assert liaison.post_form(page, page + "confirm/", {}).status_code == 200
        wait_until(
            lambda: import_status(liaison, page) == "importing",
            timeout=120,
            what="the import's start",
        )
        restarting = time.monotonic()
        postgres.restart()
        back = time.monotonic()
        time.sleep(5)  # keep reading once the server is back
        reader.done.set()
        reader.join(timeout=60)

        down = [s for start, end, s in reader.seen if end >= restarting and start <= back]
        print(f"restart took {back - restarting:.1f} s; {len(down)} reads overlapped it, "
              f"{sum(s != 200 for s in down)} failed ({sorted(set(down))})")  # fmt: skip
        failed_after = [s for start, _, s in reader.seen if start > back and s != 200]
        assert failed_after == [], "requests failed after PostgreSQL was back"
        assert sum(1 for start, _, s in reader.seen if start > back) >= 5
        before = [s for _, end, s in reader.seen if end < restarting]
        assert before and set(before) == {200}

        status = wait_until(
            lambda: (s := import_status(liaison, page)) in ("imported", "failed") and s,
            timeout=240,
            what="the import after the restart",
        )
        assert status == "imported"
        assert count_incidents(stack) == ROWS  # exactly once
    finally:
        if reader is not None:
            reader.done.set()
