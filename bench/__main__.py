"""python -m bench [--scale small|reference] [--only dataset,import,metrics,pages,size]

Runs the program-scale benchmarks (see bench/__init__.py and docs/benchmarks.md). Exits non-zero
when a measurement hit an error (a failed import, an HTTP error, a failed metrics run) — never
because of a timing: timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback

from bench.config import SCALES, configure_environment, database_name

STEPS = ("dataset", "metrics", "pages", "import", "size")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help=f"comma-separated steps among {', '.join(STEPS)} (default: all). Without "
        "“dataset” the database of the previous run is reused.",
    )
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown step(s): {', '.join(sorted(unknown))}")
    scale = SCALES[args.scale]
    configure_environment(scale.name)
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    from bench import dataset
    from bench.report import Report

    report = Report(scale=scale.name, command=command.strip())
    began = time.perf_counter()
    print(f"bench: scale {scale.name}, database {database_name()}, steps {', '.join(steps)}")
    if "dataset" in steps:
        print("bench: creating and migrating the database")
        migrate_s = dataset.reset_database()
    import django

    django.setup()
    if "dataset" in steps:
        print("bench: generating the dataset")
        gen = dataset.generate(scale)
        gen.seconds = {"create + migrate": migrate_s, **gen.seconds}
        report.detail("dataset", {"rows": gen.rows, "seconds": gen.seconds})
    else:
        from bench.report import load

        previous = load(scale.name)
        if previous and previous["details"].get("dataset"):
            report.detail("dataset", previous["details"]["dataset"])

    def step(name: str, fn) -> None:  # type: ignore[no-untyped-def]
        if name not in steps:
            return
        print(f"bench: {name}")
        t = time.perf_counter()
        try:
            fn(scale, report)
        except Exception as exc:  # a broken step is an error in the report, the rest still runs
            traceback.print_exc()
            report.error(f"{name}: {type(exc).__name__}: {exc}")
        print(f"bench: {name} done in {time.perf_counter() - t:.0f} s")

    from bench import importing, metrics, pages, sizes

    # Metrics and pages first, on the generated program alone; the import sites come after.
    step("metrics", metrics.measure)
    step("pages", pages.measure)
    step("import", importing.measure)
    step("size", sizes.measure)
    report.detail("wall_seconds", time.perf_counter() - began)
    path = report.write()
    print(f"bench: wrote {path} and docs/benchmarks.md in {time.perf_counter() - began:.0f} s")
    for m in report.measurements:
        print(
            f"  {m.label}: {m.figure:,.2f} {m.unit} (target {m.target}) → "
            f"{ {True: 'pass', False: 'MISS', None: 'reported'}[m.passed] }"
        )
    if report.errors:
        print("bench: ERRORS", *report.errors, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
