"""The result envelope every metric returns (docs/metrics.md §1 "Result envelope").

A metric never returns a bare number: it returns a :class:`MetricResult` that says what was
computed, over which window, whether it is usable (``status``), why not (``reason``), which
data-quality flags apply, which evidence tier it belongs to, how it was computed, when, with
which package versions and, for Monte Carlo steps, with which seed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

import numpy as np
import pandas as pd

ResultStatus = Literal["ok", "null"]

_PACKAGES = ("numpy", "pandas", "scipy", "statsmodels")


def package_versions() -> dict[str, str]:
    """Versions of the numerical packages behind a result (docs/metrics.md §1 envelope)."""
    return dict(_package_versions())


@functools.cache
def _package_versions() -> tuple[tuple[str, str], ...]:
    # Reading package metadata parses files (~2 ms a call); versions cannot change while the
    # process runs, so they are read once.
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are required
            versions[name] = "unknown"
    return tuple(versions.items())


def utc_now_iso() -> str:
    """Current UTC time as ISO-8601, the envelope's ``computed_at`` (docs/metrics.md §1)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class MetricResult:
    """One computed metric with its provenance (docs/metrics.md §1 result envelope).

    ``values`` holds the metric-specific fields (counts, change, CI...). A ``null`` result
    always carries a ``reason``; ``missing`` lists the months (``YYYY-MM``) that caused a
    ``missing_months`` null.
    """

    metric: str
    status: ResultStatus
    values: dict[str, Any] = field(default_factory=dict)
    site: str | None = None
    offense: str | None = None
    window: dict[str, str] | None = None
    as_of: str | None = None
    reason: str | None = None
    missing: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence_tier: int | None = None
    method: str = ""
    seed: int | None = None
    computed_at: str = field(default_factory=utc_now_iso)
    package_versions: dict[str, str] = field(default_factory=package_versions)

    def __post_init__(self) -> None:
        if self.status not in ("ok", "null"):
            raise ValueError(f"status must be 'ok' or 'null', not {self.status!r}")
        if self.status == "null" and not self.reason:
            raise ValueError("a null result must carry a reason")

    @property
    def ok(self) -> bool:
        """True when the result may be shown (docs/metrics.md §1)."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict of the envelope (docs/metrics.md §1).

        Non-finite floats become strings ``"inf"``/``"-inf"`` (an unbounded CI limit) and NaN
        becomes ``None``, so ``json.dumps(..., allow_nan=False)`` succeeds.
        """
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        converted = to_jsonable(out)
        assert isinstance(converted, dict)
        return converted


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas/dataclass values into plain JSON types (docs/metrics.md §1 envelope)."""
    # Fast paths for the plain types that make up most of a value (a site's ~120 results hold
    # ~15,000 numbers), each the same conversion as its general branch below.
    kind = type(obj)
    if kind is float:
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if kind is str or kind is int:
        return obj
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if kind is list:
        return [to_jsonable(v) for v in obj]
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(obj, pd.Period):
        return str(obj)
    if isinstance(obj, pd.Timestamp | dt.datetime | dt.date):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def null_result(metric: str, reason: str, **kwargs: Any) -> MetricResult:
    """A ``status="null"`` envelope; a null always carries a reason (docs/metrics.md §1)."""
    return MetricResult(metric=metric, status="null", reason=reason, **kwargs)
