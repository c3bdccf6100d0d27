"""Single-request CPU of the site pages at a generated scale, one process, no load generator
(cheap enough to run while other benchmarks share the machine):

    PSP_BENCH_DATABASE_URL=… .venv/bin/python bench/page_cpu.py [--scale reference] [-n 15]

Signs in as the benchmark's staff user and prints, per page, the median CPU time
(``time.process_time``) of a first view after a change (cache cleared) and of a repeat view of
unchanged data, the repeat view's query count and the body size. Needs the dataset
(``python -m bench --only dataset``) and the metrics site's results (computed here if absent).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="reference")
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args()

    from bench.config import configure_environment

    configure_environment(args.scale)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from bench.dataset import BENCH_EMAIL, METRICS_SITE
    from bench.signin import signed_in_client
    from metrics.models import MetricResult
    from metrics.services.runs import metrics_compute_site
    from sites.models import Site

    site = Site.objects.get(slug=METRICS_SITE)
    if not MetricResult.objects.filter(site=site).exists():
        metrics_compute_site(site=site, force=True)
    client = signed_in_client(get_user_model().objects.get(email=BENCH_EMAIL))
    pages = [
        reverse("dashboards:site", args=[METRICS_SITE]),
        reverse("sites:detail", args=[METRICS_SITE]),
        reverse("engagements:activities"),
        reverse("bench:bare"),
    ]
    with override_settings(ALLOWED_HOSTS=["*"]):
        for url in pages:
            assert client.get(url).status_code == 200, url
            first, repeat = [], []
            for _ in range(args.n):
                cache.clear()
                t = time.process_time()
                client.get(url)
                first.append(time.process_time() - t)
                t = time.process_time()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                repeat.append(time.process_time() - t)
            print(
                f"{url:36} CPU median: first view {statistics.median(first) * 1000:6.1f} ms, "
                f"repeat view {statistics.median(repeat) * 1000:6.1f} ms "
                f"({len(queries.captured_queries)} queries), {len(response.content) // 1024} KB"
            )


if __name__ == "__main__":
    main()
