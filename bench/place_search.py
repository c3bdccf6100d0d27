"""Measure the onboarding jurisdiction search (docs/design.md §8: here, never in unit tests).

    DJANGO_SETTINGS_MODULE=psp.settings.test .venv/bin/python bench/place_search.py

Prints the one-off index build time, then p50/p95/max of (a) the search function and (b) the
whole GET /sites/onboard/places/?q=… request through Django's middleware as an admin (SQLite,
in-process test client), over queries typed letter by letter.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.test")

import django  # noqa: E402

django.setup()

WORDS = ["springfield", "dekalb county", "pueblo", "seattle", "tampa", "san", "baton rouge"]
QUERIES = [w[:n] for w in WORDS for n in range(2, len(w) + 1)]


def summary(label: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"{label:<28} n={len(ms):>4}  p50={statistics.median(ms):6.2f} ms  "
        f"p95={p95:6.2f} ms  max={ms[-1]:6.2f} ms"
    )


def main() -> None:
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from sites.onboarding import gazetteer

    t = time.perf_counter()
    gazetteer.gazetteer()
    print(
        f"index build (once per process): {(time.perf_counter() - t) * 1000:.0f} ms, "
        f"{len(gazetteer.gazetteer())} places"
    )

    samples = []
    for _ in range(5):
        for q in QUERIES:
            t = time.perf_counter()
            gazetteer.search(q)
            samples.append(time.perf_counter() - t)
    summary("search()", samples)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from bench.signin import signed_in_client

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from psp.accounts.models import User

        admin = User.objects.create_user("bench@example.gov", "x", full_name="B", role="admin")
        client = signed_in_client(admin)
        url = reverse("onboarding:place_search")
        client.get(url, {"q": "warm"})
        samples = []
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                response = client.get(url, {"q": q})
                samples.append(time.perf_counter() - t)
                assert response.status_code == 200
        summary("GET /sites/onboard/places/", samples)
        print(f"database: {connection.vendor}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
