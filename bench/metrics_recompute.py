"""Time one site's metrics recompute at the reference size (docs/design.md §8): 10 years of monthly
counts for 12 offenses and 200,000 geocoded incidents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/psp_bench DJANGO_DEBUG=1 \
        .venv/bin/python manage.py migrate
    DATABASE_URL=... DJANGO_DEBUG=1 .venv/bin/python bench/metrics_recompute.py [--worker-start]

Creates a throw-away site ``bench-metrics`` (removed at the end), then times the worker's
work — load, compute, store — with ``metrics_compute_site(force=True)``, once cold (first call
in the process: lazy imports and caches) and then warm, as a worker sees it after warm-up.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.base")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from metrics.models import Incident, MonthlyCount, Offense, Upload  # noqa: E402
from metrics.services.runs import metrics_compute_site  # noqa: E402
from sites.models import Cohort, Site  # noqa: E402

N_INCIDENTS = 200_000
MEANS = {
    "homicide": 4,
    "rape": 15,
    "robbery": 60,
    "aggravated_assault": 150,
    "nonfatal_shooting_victims": 20,
    "burglary": 200,
    "larceny": 700,
    "motor_vehicle_theft": 150,
    "shots_fired": 80,
    "fatal_shooting_incidents": 3,
    "nonfatal_shooting_incidents": 18,
}


def build() -> Site:
    Site.objects.filter(slug="bench-metrics").delete()
    cohort, _ = Cohort.objects.get_or_create(year=2099, defaults={"name": "Benchmark cohort"})
    site = Site.objects.create(
        name="Bench Metrics",
        slug="bench-metrics",
        state="KS",
        cohort=cohort,
        population=400_000,
        population_year=2020,
        engagement_start=dt.date(2019, 10, 1),
        latitude=37.69,
        longitude=-97.33,
    )
    rng = np.random.default_rng(7)
    offenses = {o.code: o for o in Offense.objects.all()}
    months = pd.period_range("2014-01", periods=120, freq="M")
    MonthlyCount.objects.bulk_create(
        [
            MonthlyCount(
                site=site,
                month=dt.date(m.year, m.month, 1),
                offense=offenses[code],
                count=int(c),
                first_count=int(c),
            )
            for code, mean in MEANS.items()
            if code not in ("shots_fired",)
            for m, c in zip(months, rng.poisson(mean, len(months)), strict=True)
        ],
        batch_size=2000,
    )
    upload = Upload.objects.create(
        site=site,
        kind="incidents",
        file="bench/incidents.csv",
        original_name="incidents.csv",
        sha256="b" * 64,
        status="imported",
        coverage_start=dt.date(2014, 1, 1),
        coverage_end=dt.date(2023, 12, 1),
        source="bench",
    )
    days = rng.integers(0, 3652, N_INCIDENTS)
    codes = rng.choice(
        ["shots_fired", "nonfatal_shooting_incidents", "fatal_shooting_incidents"],
        N_INCIDENTS,
        p=[0.6, 0.35, 0.05],
    )
    lat = 37.69 + rng.normal(0, 0.03, N_INCIDENTS)
    lon = -97.33 + rng.normal(0, 0.04, N_INCIDENTS)
    base = dt.date(2014, 1, 1)
    Incident.objects.bulk_create(
        [
            Incident(
                site=site,
                source="bench",
                external_id=str(i),
                occurred_on=base + dt.timedelta(days=int(days[i])),
                offense=offenses[codes[i]],
                latitude=float(lat[i]),
                longitude=float(lon[i]),
                upload=upload,
            )
            for i in range(N_INCIDENTS)
        ],
        batch_size=5000,
    )
    return site


def main() -> None:
    Incident.objects.filter(site__slug="bench-metrics").delete()
    Upload.objects.filter(site__slug="bench-metrics").delete()
    t = time.perf_counter()
    site = build()
    print(f"built site in {time.perf_counter() - t:.1f} s")
    try:
        if "--worker-start" in sys.argv:
            from metrics.engine.build import warm_up

            t = time.perf_counter()
            warm_up()
            print(f"warm_up() as at worker start: {time.perf_counter() - t:.2f} s")
        if "--profile" in sys.argv:
            import cProfile
            import pstats

            if "--cold" not in sys.argv:
                metrics_compute_site(site=site, force=True)
            prof = cProfile.Profile()
            prof.enable()
            metrics_compute_site(site=site, force=True)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            return
        for label in ("cold (first call in the process)", "warm", "warm", "warm"):
            start_cpu, start = time.process_time(), time.perf_counter()
            summary = metrics_compute_site(site=site, force=True)
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            print(f"{label}: {summary.results} results, wall {wall:.2f} s, cpu {cpu:.2f} s")
            if label.startswith("cold"):
                print("  (a worker runs warm_up() at start, so its first task is not cold)")
    finally:
        Incident.objects.filter(site=site).delete()
        Upload.objects.filter(site=site).delete()
        Site.objects.filter(pk=site.pk).delete()


if __name__ == "__main__":
    main()
