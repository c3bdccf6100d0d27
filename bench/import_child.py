"""One incident import through the real path, in a process of its own (for a clean peak RSS).

    python -m bench.import_child --site SLUG --file PATH --out RESULT.json

Runs exactly what ``manage.py import_incidents`` runs — ``upload_receive`` (the preview check)
then ``upload_import_now`` (merge the stage the preview wrote, data-quality rules, in one
transaction; issue 20) — and
writes the phase times, the upload's counts and the peak resident memory of this process as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """Peak RSS of this process's own memory (VmHWM).

    Not ``ru_maxrss``: on Linux it survives ``execve``, so a child of a big parent reports the
    parent's size at ``fork`` (the benchmark process holds ~400 MB after generating 2,000,000
    incidents, and every import then "peaked" at that)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--profile", help="write a pyinstrument text profile of the run here")
    parser.add_argument(
        "--make-site", action="store_true", help="create the site (an empty database)"
    )
    args = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.files import File

    # Import everything the import touches, so the baseline is the process a worker would be.
    import metrics.services.quality  # noqa: F401
    import metrics.tasks  # noqa: F401
    from metrics import services
    from metrics.models import Upload
    from sites.models import Site

    if args.make_site:
        from sites.models import Cohort

        cohort, _ = Cohort.objects.get_or_create(name="Bench", defaults={"year": 2024})
        Site.objects.get_or_create(
            slug=args.site,
            defaults={
                "name": "Bench Empty",
                "state": "KS",
                "cohort": cohort,
                "latitude": 38.0,
                "longitude": -97.0,
                "population": 400_000,
            },
        )
    site = Site.objects.get(slug=args.site)
    path = Path(args.file)
    baseline = rss_mb()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    t0 = time.perf_counter()
    with path.open("rb") as fh:
        upload = services.upload_receive(
            site=site, kind="incidents", file=File(fh, name=path.name), acting_user=None
        )
    t1 = time.perf_counter()
    if upload.status != "validated":
        raise SystemExit(f"preview refused the file: {upload.errors[:3]}")
    upload = services.upload_import_now(upload=upload, acting_user=None)
    t2 = time.perf_counter()
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(show_all=False))
    upload = Upload.objects.get(pk=upload.pk)
    result = {
        "rows": upload.rows_total,
        "status": upload.status,
        "failure": upload.failure,
        "added": upload.rows_added,
        "revised": upload.rows_revised,
        "unchanged": upload.rows_unchanged,
        "rejected": upload.rows_rejected,
        "preview_s": t1 - t0,
        "import_s": t2 - t1,
        "total_s": t2 - t0,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak_mb(),
        "phases": dict(upload.read_summary().timings),
    }
    Path(args.out).write_text(json.dumps(result, indent=2))
    if upload.status != "imported":
        print(f"import failed: {upload.failure}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
