"""Scales, the benchmark database and the environment every benchmark process runs with."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/psp_bench_{scale}"  # one per scale
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/11"  # the tests use db 8
SEED = 20260308


@dataclass(frozen=True)
class Scale:
    """How big the generated program is and how long each measurement runs."""

    name: str
    sites: int
    years: int
    activities: int
    incidents: int  # stored incidents across the portfolio, the metrics site's included
    metrics_site_incidents: int  # the one site timed alone (10 years + this many incidents)
    import_rows: tuple[int, ...]  # fresh imports, growth; the last one is the target size
    reimport_rows: int  # a corrected file over an existing import (updates, not inserts)
    page_seconds: float  # load per page, 8 users
    users: int = 8
    web_workers: int = 2
    metrics_sizes: tuple[int, ...] = field(default=())  # incidents of the metrics growth sites


SCALES = {
    "small": Scale(
        name="small",
        sites=12,
        years=10,
        activities=5_000,
        incidents=120_000,
        metrics_site_incidents=20_000,
        import_rows=(20_000, 50_000, 100_000),
        reimport_rows=50_000,
        page_seconds=3,
        metrics_sizes=(5_000, 20_000),
    ),
    "reference": Scale(
        name="reference",
        sites=200,
        years=10,
        activities=100_000,
        incidents=2_000_000,
        metrics_site_incidents=200_000,
        import_rows=(100_000, 500_000, 1_000_000),
        reimport_rows=1_000_000,
        page_seconds=60,
        metrics_sizes=(20_000, 100_000, 200_000),
    ),
}


def database_url(scale: str | None = None) -> str:
    scale = scale or os.environ.get("PSP_BENCH_SCALE") or "small"
    url = os.environ.get("PSP_BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL.format(scale=scale)
    name = urlparse(url).path.lstrip("/")
    if not name or name == "test" or name.startswith("test_") or name == "postgres":
        raise SystemExit(
            f"Refusing to benchmark in the database “{name}”: it belongs to the tests or the "
            "server. Use a dedicated one, e.g. …/psp_bench."
        )
    return url


def database_name() -> str:
    return urlparse(database_url()).path.lstrip("/")


def configure_environment(scale: str = "small") -> dict[str, str]:
    """Production-like settings on the benchmark database; returned so children inherit them."""
    os.environ["PSP_BENCH_SCALE"] = scale
    var = Path(os.environ.get("PSP_BENCH_VAR_DIR") or f"/tmp/psp-bench-{database_name()}")
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("PSP_BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain http on loopback: no TLS redirect, cookies not limited to https.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "PSP_VAR_DIR": str(var),
        # A 1,000,000-row incident file is about 60 MB; the site's default limit is 50 MB.
        "PSP_UPLOAD_MAX_BYTES": str(1024 * 1024 * 1024),
        "PSP_LOG_LEVEL": "WARNING",
        "PSP_DEMO": "0",
        # The harness reads every API list many times from one session to time it: the per-person
        # throttle (1,200 a minute by default) would answer 429 and measure nothing.
        "PSP_API_RATE": "1000000/minute",
        "CELERY_BROKER_URL": os.environ.get("PSP_BENCH_BROKER_URL") or DEFAULT_BROKER_URL,
    }
    os.environ.update(env)
    (var / "staticfiles").mkdir(parents=True, exist_ok=True)
    return env
