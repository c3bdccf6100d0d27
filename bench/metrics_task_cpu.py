"""CPU per site of the whole metrics task as a worker runs it (the portfolio target, issue 8).

    .venv/bin/python -m bench --scale small --only dataset     # once: the bench database
    .venv/bin/python -m bench.metrics_task_cpu [--rounds 3] [slug ...]

On the last bench dataset (``PSP_BENCH_DATABASE_URL``), after the worker's ``warm_up()``, runs
``metric_run_execute`` — what ``metrics.tasks.recompute_site`` runs: run status writes,
fingerprint, load, compute, store, hot-spot map — on each site (default: the typical sites
``bench-002`` … ``bench-012``; their stored results are marked stale first so each task
recomputes) and prints the CPU time (``process_time``) per site, by family, for each round.
"""

from __future__ import annotations

import argparse
import time

from bench.config import configure_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="sites (default bench-002 … bench-012)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    configure_environment("small")
    import django

    django.setup()
    import metrics.tasks  # noqa: F401  (imports the engine, as the worker does)
    from bench.metrics import family_timer
    from metrics.engine.build import warm_up
    from metrics.models import MetricResult, MetricRun, RunTrigger
    from metrics.services.runs import metric_run_execute
    from sites.models import Site

    warm_up()
    sites = [
        Site.objects.get(slug=s) for s in args.slugs or [f"bench-{i:03d}" for i in range(2, 13)]
    ]

    def task(site: Site) -> None:
        MetricResult.objects.filter(site=site).update(inputs_fingerprint="stale")
        run = MetricRun.objects.create(site=site, trigger=RunTrigger.MANUAL)
        outcome = metric_run_execute(site_id=site.pk, run_id=run.pk, final_attempt=True)
        assert outcome == "written", outcome

    task(sites[0])  # first task of the process: not counted
    for r in range(args.rounds):
        with family_timer(time.process_time) as spent:
            start = time.process_time()
            for site in sites:
                task(site)
            total = time.process_time() - start
        n = len(sites)
        print(f"round {r + 1}: CPU per site over {n} sites")
        for family, seconds in spent.items():
            print(f"  {family:55s} {seconds / n * 1000:6.1f} ms")
        rest = total - sum(spent.values())
        print(f"  {'run status writes, storing results, the rest':55s} {rest / n * 1000:6.1f} ms")
        print(f"  {'total':55s} {total / n * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
