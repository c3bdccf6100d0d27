"""Settings for benchmark runs: production settings plus the bench-only floor page.

Everything comes from :mod:`psp.settings.base` (DEBUG off, the same middleware, sessions and
security headers). Two additions, never loaded by the real site:

* ``ROOT_URLCONF = "bench.urls"``: the app's URLs plus one signed-in "bare" page, the floor the
  pages are compared with;
* a first middleware that reports the time spent inside Django in a ``Server-Timing`` header, so
  the load generator can separate server time from queueing.
"""

import os

from psp.settings.base import *  # noqa: F403
from psp.settings.base import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.views.ServerTimingMiddleware", *MIDDLEWARE]

# Benchmark tasks travel on a queue of their own (and a Redis database the tests do not use).
CELERY_TASK_DEFAULT_QUEUE = "psp-bench"

# Chunk-size experiments (docs/benchmarks.md): PSP_BENCH_CHUNK_ROWS overrides the import's chunk.
if os.environ.get("PSP_BENCH_CHUNK_ROWS"):
    PSP_IMPORT_CHUNK_ROWS = int(os.environ["PSP_BENCH_CHUNK_ROWS"])
