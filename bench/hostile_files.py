"""Time and peak memory of refusing each hostile file (issue 21; docs/benchmarks.md).

``python -m bench.hostile_files``: builds the corpus of ``tests/metrics/test_hostile_files.py``
in a temporary folder and reads each file in a fresh process through the scan the preview and
the import use, printing the seconds to the refusal and the process's peak RSS.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURE = """
import datetime as dt, sys, time
from pathlib import Path
import django
django.setup()
from metrics.intake import base
from metrics.intake.monthly import MonthlyCountsParser
from metrics.intake.problems import FileRejected
path = Path(sys.argv[1])
start = time.perf_counter()
try:
    base.scan(path, MonthlyCountsParser(today=dt.date(2025, 1, 1)), name=path.name)
    outcome = "READ (not refused)"
except FileRejected as exc:
    outcome = str(exc)[:70]
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over from before exec)
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(f"{time.perf_counter() - start:6.2f} s {peak:6.0f} MB  {outcome}")
"""


def main() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.test")
    import django

    django.setup()
    from tests.metrics.test_hostile_files import CORPUS

    with tempfile.TemporaryDirectory() as folder:
        for i, (case, name, build, _) in enumerate(CORPUS):
            path = Path(folder) / f"{i:02d}" / name
            path.parent.mkdir()
            path.write_bytes(build())
            result = subprocess.run(
                [sys.executable, "-c", MEASURE, str(path)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "psp.settings.test"},
                check=True,
            )
            print(f"{case:34} {result.stdout.strip()}")


if __name__ == "__main__":
    main()
