"""python -m bench.dq_rules — the §7.3 data-quality expectation (docs/metrics.md §7.3) timed on
synthetic series: one fit per tested month, all of a series' fits batched in numpy.

Prints the time of :func:`metrics.compute.quality.expectations` per series of 60 and 120
months, and of a site-sized batch (12 offenses × 120 months), best of five runs. Timings are
reported, not asserted (docs/benchmarks.md)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd


def series(n: int, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.period_range("2014-01", periods=n, freq="M")
    mu = 80 * (1 + 0.2 * np.sin(2 * np.pi * idx.month.to_numpy() / 12))
    size = mu / 0.5  # φ = 1.5
    return pd.Series(rng.negative_binomial(size, size / (size + mu)).astype(float), index=idx)


def best_of(runs: int, work: object) -> float:
    """Least CPU time of ``runs`` runs (CPU, not wall: the machine is shared)."""
    times = []
    for _ in range(runs):
        t = time.process_time()
        work()  # type: ignore[operator]
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    from metrics.compute import complete_monthly
    from metrics.compute.quality import expectations, source_ramp

    for n in (60, 120):
        ms = complete_monthly(series(n, 1))
        expectations(ms)  # warm the imports
        took = best_of(5, lambda ms=ms: expectations(ms))
        print(f"expectations, one series of {n} months: {1000 * took:.1f} ms CPU")
    site = [complete_monthly(series(120, s)) for s in range(12)]
    took = best_of(5, lambda: [expectations(ms) for ms in site])
    print(f"expectations, 12 offenses x 120 months (one site): {1000 * took:.1f} ms CPU")
    took = best_of(5, lambda: [source_ramp(ms) for ms in site])
    print(f"source ramp, 12 series x 120 months: {1000 * took:.1f} ms CPU")


if __name__ == "__main__":
    main()
