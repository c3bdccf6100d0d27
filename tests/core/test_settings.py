"""Settings come only from the environment, through helpers that reject bad values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from psp.settings.env import env_bool, env_int, env_list


def test_env_bool_rejects_a_typo(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("Yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


def test_env_int_rejects_text_and_out_of_range(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "-1")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1, minimum=0)


def test_env_list_splits_and_strips(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example, ,b.example ")
    assert env_list("X_LIST") == ["a.example", "b.example"]


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "PSP_"))
    }
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import psp.settings.base as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env=clean,
        capture_output=True,
        text=True,
        cwd=os.getcwd(),
        check=False,
    )


def test_production_without_secret_key_refuses_to_start():
    result = _load_settings({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_sqlite_by_default_postgres_with_database_url():
    assert _load_settings({"DJANGO_DEBUG": "1"}).stdout.strip() == "django.db.backends.sqlite3"
    result = _load_settings({"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"})
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_broker_url_switches_celery_off_eager():
    code = "import psp.settings.base as s; print(s.CELERY_TASK_ALWAYS_EAGER)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_"))}
    env.update({"DJANGO_DEBUG": "1"})
    run = lambda extra: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code],
        env={**env, **extra},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert run({}) == "True"
    assert run({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == "False"
