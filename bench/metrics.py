"""Measurement 2 (and 5): metrics recompute — one site, growth, the portfolio on two workers."""

from __future__ import annotations

from bench.config import Scale
from bench.report import Report


def measure(scale: Scale, report: Report) -> None:
    try:
        from metrics.engine import services  # noqa: F401
    except ImportError:
        report.detail("metrics", {"skipped": "the metrics engine (issue 6) is not on this branch"})
        print("  skipped: no metrics engine on this branch")
        return
