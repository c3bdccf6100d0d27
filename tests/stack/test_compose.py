"""docker-compose.yml keeps the layout tests/stack/stack.py reproduces: web, worker and the
operator's ``ops`` service see one ``uploads`` volume at the path PSP_UPLOAD_DIR names (issue 21,
H3: the worker's imports failed when uploads were not on a shared volume)."""

from __future__ import annotations

import yaml

from tests.stack.stack import ROOT


def services() -> dict[str, dict]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]


def test_web_worker_and_ops_mount_the_uploads_volume_where_psp_upload_dir_points():
    for name in ("web", "worker", "beat", "ops"):
        service = services()[name]
        folder = service["environment"]["PSP_UPLOAD_DIR"]
        assert f"uploads:{folder}" in service["volumes"], name


def test_ops_runs_only_on_demand_and_carries_the_backup_tools():
    ops = services()["ops"]
    assert ops["profiles"] == ["ops"]  # `docker compose up` does not start it
    assert "./bin:/app/bin:ro" in ops["volumes"]
    assert ops["image"] == services()["postgres"]["image"]  # pg_dump of the server's version
    assert (ROOT / "bin" / "backup").stat().st_mode & 0o111
    assert (ROOT / "bin" / "restore").stat().st_mode & 0o111
