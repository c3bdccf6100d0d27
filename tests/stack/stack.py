"""The production stack without Docker: the processes and volume layout of docker-compose.yml.

``docker-compose.yml`` runs gunicorn (web) and ``celery worker`` from one image with the
production settings (``psp.settings.base``), PostgreSQL, Redis, and one ``uploads`` volume
mounted in both web and worker. ``Stack`` starts the same commands here as separate processes
on a database, a broker and an uploads folder given to it, so a test can drive it over HTTP as a
person would, and kill or restart any part of it. ``WebUser`` is that person: a cookie-keeping
HTTP session that signs in through the sign-in form and posts forms with their CSRF token.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from tests.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# The one site and liaison the stack tests set up (``Stack.shell(SETUP)``).
SLUG = "stackville"
LIAISON = "liaison@stack.example.gov"
PASSWORD = "correct-horse-battery-staple"  # tests.factories.TEST_PASSWORD
SETUP = f"""
import datetime as dt
from tests.factories import MembershipFactory, SiteFactory, UserFactory
site = SiteFactory(slug="{SLUG}", name="Stackville", engagement_start=dt.date(2022, 1, 1),
                   population=80_000)
user = UserFactory(email="{LIAISON}", full_name="Sam Liaison")
MembershipFactory(user=user, site=site, role="liaison")
"""


class Stack:
    """web (gunicorn) + worker (celery) on the production settings, sharing one uploads folder.

    ``folder`` holds the logs and the web's and worker's ``var`` folders; ``uploads`` is the
    shared volume (``PSP_UPLOAD_DIR``), as in compose."""

    def __init__(self, folder: Path, database_url: str, broker_url: str, uploads: Path) -> None:
        self.folder = folder
        self.database_url = database_url
        self.broker_url = broker_url
        self.uploads = uploads
        self.port = free_port()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        folder.mkdir(parents=True, exist_ok=True)
        uploads.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, role: str) -> dict[str, str]:
        """The environment compose gives every app container (docker-compose.yml ``x-app``),
        plain HTTP on loopback instead of behind a TLS proxy."""
        var = self.folder / f"var-{role}"
        (var / "staticfiles").mkdir(parents=True, exist_ok=True)
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "psp.settings.base",
            "DJANGO_SECRET_KEY": "stack-test-only-" + "k" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.broker_url,
            "PSP_VAR_DIR": str(var),
            "PSP_UPLOAD_DIR": str(self.uploads),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str) -> str:
        """``python manage.py …`` as the web container would run it; its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env("web"),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "--no-imports", "-c", code)

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.procs[name] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the whole process group can be signalled at once
        )

    def start_web(self) -> None:
        bind = f"127.0.0.1:{self.port}"
        self._spawn(
            "web",
            [sys.executable, "-m", "gunicorn", "psp.wsgi", "--bind", bind, "--workers", "2"]
            + ["--timeout", "30", "--access-logfile", "-"],
        )
        wait_until(self._answers, timeout=60, what="gunicorn")

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "psp", "worker", "--loglevel=INFO"]
            + ["--concurrency=1", "--without-gossip", "--without-mingle"],
        )

    def start(self) -> None:
        """migrate (as the web container's command does), then web and worker."""
        self.manage("migrate", "--noinput")
        self.start_web()
        self.start_worker()

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
            del self.procs[name]

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.folder.glob("*.log"))
        )


class WebUser:
    """A person with a browser that keeps cookies, reduced to HTTP: GET pages, sign in through
    the form, post forms with the CSRF token of the page they are on."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def post_form(
        self, page: str, action: str, data: dict[str, str], **kwargs: Any
    ) -> requests.Response:
        """Open ``page``, then submit to ``action`` with the page's CSRF token."""
        response = self.get(page)
        assert response.status_code == 200, (page, response.status_code)
        token = CSRF.search(response.text)
        assert token, f"no CSRF token on {page}"
        return self.http.post(
            self.base + action,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": self.base + page},
            timeout=30,
            **kwargs,
        )

    def sign_in(self, email: str, password: str) -> None:
        response = self.post_form(
            "/accounts/login/", "/accounts/login/", {"username": email, "password": password}
        )
        assert response.status_code == 200 and "/accounts/login/" not in response.url, (
            f"sign-in as {email} failed: {response.status_code} {response.url}"
        )
