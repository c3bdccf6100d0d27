"""Tier 3 measured on the real national pool (docs/metrics.md §8.2, §9.6; figures in
docs/benchmarks.md): worker time of a site's tier-3 results, and honest inference on places
that are not sites.

    DJANGO_DEBUG=1 .venv/bin/python -m bench.tier3

No database: the pool file is read and aggregated in memory (as ``load_comparison_pool``
does) and the engine's tier-3 build runs on sites made from pool places.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT / "psp" / "demo" / "demo_data" / "gva_us_2014_2018.csv.gz"
COVERAGE = (dt.date(2014, 1, 1), dt.date(2018, 3, 31))
# The demo's PSP sites: never fake sites, never donors.
DEMO_PLACES = (
    ("Kansas", "Wichita"),
    ("Wisconsin", "Milwaukee"),
    ("Louisiana", "Baton Rouge"),
    ("Colorado", "Pueblo"),
    ("Washington", "Seattle"),
    ("Massachusetts", "Springfield"),
    ("Florida", "Tampa"),
    ("Maryland", "Baltimore"),
)


def read_pool() -> tuple[pd.DataFrame, dict[tuple[str, str], int | None]]:
    from metrics.services.comparison import _place_rows, aggregate_pool, read_pool_file

    frame = read_pool_file(POOL)
    return aggregate_pool(frame), {(p.state, p.name): p.population for p in _place_rows(frame)}


def site_rows(
    aggregated: pd.DataFrame,
    populations: dict[tuple[str, str], int | None],
    place: tuple[str, str],
    start: dt.date,
) -> list[Any]:
    """Every tier-3 row of a fake site at ``place`` engaged from ``start``."""
    from metrics.engine.build.comparative import comparative_rows
    from metrics.engine.comparison import pool_input
    from metrics.engine.loaders import SiteInfo, SiteInputs

    comp = pool_input(
        aggregated, populations, coverage=COVERAGE, site_place=place, excluded=DEMO_PLACES
    )
    info = SiteInfo(0, "fake", place[1], populations[place], 2016, "", None, None, start)
    return comparative_rows(SiteInputs(info, pd.DataFrame(), pd.DataFrame(), comparison=comp), {})


def fake_sites(n: int = 20, seed: int = 20261203) -> list[dict[str, Any]]:
    """12-month synthetic-control results for ``n`` random places of 100,000–1,000,000 people
    that are not sites, engagement dates drawn uniformly from Jul 2015 to Mar 2017."""
    aggregated, populations = read_pool()
    candidates = sorted(
        k
        for k, pop in populations.items()
        if pop is not None and 100_000 <= pop <= 1_000_000 and k not in DEMO_PLACES
    )
    rng = np.random.default_rng(seed)
    chosen = [candidates[i] for i in rng.choice(len(candidates), size=n, replace=False)]
    months = pd.period_range("2015-07", "2017-03", freq="M")
    out = []
    for place in chosen:
        start = months[int(rng.integers(len(months)))].start_time.date()
        for row in site_rows(aggregated, populations, place, start):
            if row.metric == "synthetic_control" and row.params["window_months"] == 12:
                out.append(
                    {"place": place, "offense": row.offense, "status": row.status, **row.value}
                )
    return out


def main() -> None:
    started = time.perf_counter()
    aggregated, populations = read_pool()
    print(f"read and aggregated the pool in {time.perf_counter() - started:.1f} s")
    big = [("Virginia", "Richmond"), ("Alabama", "Montgomery"), ("Ohio", "Toledo")]
    times, cpu = [], []
    for place in big:
        t, c = time.perf_counter(), time.process_time()
        rows = site_rows(aggregated, populations, place, dt.date(2016, 7, 1))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        pools = [r.value.get("n_donor_pool") for r in rows if r.metric == "synthetic_control"]
        print(
            f"{place[1]}: {len(rows)} rows, donor pools {pools}, {times[-1]:.2f} s wall, "
            f"{cpu[-1]:.2f} s CPU"
        )
    print(
        f"tier-3 time per site: wall median {statistics.median(times):.2f} s, max "
        f"{max(times):.2f} s; CPU median {statistics.median(cpu):.2f} s, max {max(cpu):.2f} s"
    )
    if "--speed-only" in sys.argv:
        return
    results = fake_sites()
    for offense in ("fatal_shooting_incidents", "nonfatal_shooting_incidents"):
        mine = [r for r in results if r["offense"] == offense]
        tested = [r for r in mine if r.get("p_placebo_space") is not None]
        ok = [r for r in mine if r["status"] == "ok"]
        small = [r for r in tested if r["p_placebo_space"] < 0.05]
        print(
            f"{offense}: {len(mine)} non-site places, {len(ok)} ok, {len(tested)} with placebos,"
            f" p_placebo_space < 0.05 for {len(small)}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.test")
    import django

    django.setup()
    main()
