"""A small closed-loop load generator: N signed-in users, each a thread with a keep-alive
connection, requesting one page back to back for a fixed time (loopback only)."""

from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass, field

SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


@dataclass
class Sample:
    response_ms: float
    server_ms: float | None
    status: int
    size: int


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(*, host: str, port: int, path: str, cookies: list[str], seconds: float) -> LoadResult:
    """Each cookie is one user; every user requests ``path`` until ``seconds`` have passed."""
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(cookie: str) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        local: list[Sample] = []
        errors: list[str] = []
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": cookie, "Host": host})
                    resp = conn.getresponse()
                    body = resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    errors.append(f"{path}: {type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=60)
                    continue
                took = (time.perf_counter() - start) * 1000
                timing = SERVER_TIMING.search(resp.getheader("Server-Timing") or "")
                local.append(
                    Sample(took, float(timing.group(1)) if timing else None, resp.status, len(body))
                )
                if resp.status != 200:
                    errors.append(f"{path}: HTTP {resp.status} {resp.getheader('Location') or ''}")
        finally:
            conn.close()
            with lock:
                result.samples += local
                result.errors += errors

    threads = [threading.Thread(target=user, args=(c,), daemon=True) for c in cookies]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - began
    return result
