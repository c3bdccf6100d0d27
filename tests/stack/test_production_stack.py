"""Issue 21, H3 and acceptance 2: the production configuration imports a file, and a backup
restores it.

The processes of docker-compose.yml, started here without Docker (tests/stack/stack.py):
gunicorn and a real ``celery worker`` on the production settings, a PostgreSQL cluster and a
redis-server of the test's own, and one uploads folder shared by web and worker as compose
shares its ``uploads`` volume. A liaison signs in and imports a file through the web; the worker
imports it and recomputes the site's metrics; ``bin/backup`` copies database and uploads;
``bin/restore`` puts them into a new database and an empty uploads folder, and a second stack
on those shows the same pages and serves the same file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.processes import PostgresServer, RedisServer, wait_until
from tests.stack.stack import LIAISON, PASSWORD, ROOT, SLUG, Stack, WebUser

pytestmark = pytest.mark.integration

FACTS = f"""
import json
from metrics.models import MetricResult, MetricRun, MonthlyCount, Upload
runs = MetricRun.objects.filter(site__slug="{SLUG}")
print(json.dumps({{
    "uploads": list(Upload.objects.values_list("status", "rows_imported")),
    "months": MonthlyCount.objects.filter(site__slug="{SLUG}").count(),
    "runs": sorted(runs.values_list("trigger", "status")),
    "results": sorted(
        [r.metric, r.offense, json.dumps(r.value, sort_keys=True)]
        for r in MetricResult.objects.filter(site__slug="{SLUG}")
    ),
}}))
"""
# Violent crime 16 a month before the engagement (January 2022), 12 a month after.
BEFORE = {"homicide": 1, "rape": 2, "robbery": 5, "aggravated_assault": 8}
AFTER = {"homicide": 0, "rape": 1, "robbery": 4, "aggravated_assault": 7}
COUNTS = "month,offense,count\n" + "".join(
    f"{year}-{month:02d},{code},{count}\n"
    for year in (2020, 2021, 2022, 2023)
    for month in range(1, 13)
    for code, count in (BEFORE if year < 2022 else AFTER).items()
)
# What differs between two renderings of the same page: per-response secrets and nonces.
VOLATILE = re.compile(r'(csrfmiddlewaretoken" value|nonce|csrf-token" content)="[^"]*"')


def facts(stack: Stack) -> dict[str, object]:
    return json.loads(stack.shell(FACTS).strip().splitlines()[-1])


def upload_through_the_web(user: WebUser, name: str, content: str) -> str:
    """Send a file from the site's data page; the path of the upload's page."""
    response = user.post_form(
        f"/sites/{SLUG}/data/",
        f"/sites/{SLUG}/data/upload/",
        {"kind": "monthly_counts", "preset": "", "coverage_start": "", "coverage_end": ""},
        files={"file": (name, content.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.status_code
    found = re.search(rf"/sites/{SLUG}/data/uploads/\d+/$", response.url)
    assert found, f"the upload was not received: {response.url}"
    return found.group(0)


def import_status(user: WebUser, page: str) -> str:
    response = user.get(page + "status/")
    found = re.search(r'data-status="(\w+)"', response.text)
    return found.group(1) if found else f"HTTP {response.status_code}"


def confirm_and_wait(user: WebUser, page: str) -> str:
    response = user.post_form(page, page + "confirm/", {})
    assert response.status_code == 200, response.status_code
    return wait_until(
        lambda: (s := import_status(user, page)) in ("imported", "failed") and s,
        timeout=120,
        what="the worker's import",
    )


def snapshot(user: WebUser, page: str) -> dict[str, object]:
    """What a person sees: the upload's page, the site's data page and dashboard, the file."""
    pages = {}
    for path in (page, f"/sites/{SLUG}/data/", f"/sites/{SLUG}/dashboard/"):
        response = user.get(path)
        assert response.status_code == 200, (path, response.status_code)
        pages[path] = VOLATILE.sub(r"\1=…", response.text)
    download = user.get(page + "file/")
    assert download.status_code == 200
    pages["file"] = download.content
    return pages


def run_tool(tool: str, *args: str, database_url: str, uploads: Path) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "PSP_UPLOAD_DIR": str(uploads)}
    result = subprocess.run(
        [str(ROOT / "bin" / tool), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_liaison_imports_through_the_production_stack_and_a_backup_restores_it(
    tmp_path, stack: Stack, postgres: PostgresServer, broker: RedisServer
):
    restored: Stack | None = None
    try:
        liaison = WebUser(stack.url)
        liaison.sign_in(LIAISON, PASSWORD)

        page = upload_through_the_web(liaison, "counts.csv", COUNTS)
        assert import_status(liaison, page) == "validated"
        assert confirm_and_wait(liaison, page) == "imported"
        # The file the web wrote is where the worker read it: the shared folder.
        stored = [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
        assert [p.read_text() for p in stored] == [COUNTS]
        # The import queued the site's recompute; the worker ran it.
        before = wait_until(
            lambda: (f := facts(stack))["runs"] == [["import", "succeeded"]] and f,
            timeout=120,
            what="the recompute after the import",
        )
        assert before["uploads"] == [["imported", 192]] and before["months"] == 192
        assert any(
            metric == "prepost_rate_ratio" and offense == "violent_crime"
            for metric, offense, _ in before["results"]  # type: ignore[attr-defined]
        )
        seen = snapshot(liaison, page)
        assert "Imported" in str(seen[page])

        # Back up, then restore onto a new database and an empty uploads folder.
        out = run_tool(
            "backup",
            str(tmp_path / "backup"),
            database_url=stack.database_url,
            uploads=stack.uploads,
        )
        assert "uploads (1 files)" in out, out
        stack.stop()
        postgres.create_database("psp_restored")
        restored = Stack(
            tmp_path / "restored",
            postgres.url("psp_restored"),
            broker.url,
            tmp_path / "uploads-restored",
        )
        run_tool(
            "restore",
            "--yes",
            str(tmp_path / "backup"),
            database_url=restored.database_url,
            uploads=restored.uploads,
        )
        restored.start()
        again = WebUser(restored.url)
        again.sign_in(LIAISON, PASSWORD)
        assert facts(restored) == before
        assert snapshot(again, page) == seen
    finally:
        if restored is not None:
            print(restored.logs())  # shown when the test fails
            restored.stop()


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path, postgres):
    postgres.create_database("psp")
    url = postgres.url("psp")
    uploads = tmp_path / "uploads"
    (uploads / "attachments").mkdir(parents=True)
    (uploads / "attachments" / "a.pdf").write_bytes(b"%PDF-1.4 kept")
    subprocess.run(["psql", url, "-qc", "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"],
                   check=True)  # fmt: skip
    run_tool("backup", str(tmp_path / "b"), database_url=url, uploads=uploads)
    with (tmp_path / "b" / "uploads.tar.gz").open("ab") as archive:
        archive.write(b"tampered")
    (uploads / "attachments" / "a.pdf").write_bytes(b"%PDF-1.4 changed since")
    env = {**os.environ, "DATABASE_URL": url, "PSP_UPLOAD_DIR": str(uploads)}
    result = subprocess.run(
        [str(ROOT / "bin" / "restore"), "--yes", str(tmp_path / "b")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "does not match its checksums; nothing was changed" in result.stderr
    assert (uploads / "attachments" / "a.pdf").read_bytes() == b"%PDF-1.4 changed since"
    # Without --yes, nothing runs at all.
    result = subprocess.run([str(ROOT / "bin" / "restore"), str(tmp_path / "b")], env=env,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "usage" in result.stderr
