"""The row the engine stores for each metric (the docs/metrics.md §1 envelope, flattened)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from metrics.compute.envelope import MetricResult, to_jsonable


def params_key(params: dict[str, Any]) -> str:
    """Canonical JSON of a result's params: part of its identity."""
    return json.dumps(to_jsonable(params), sort_keys=True, separators=(",", ":"))


def month_date(month: pd.Period | None) -> dt.date | None:
    """First day of a month, as stored in ``data_through``."""
    return None if month is None else dt.date(month.year, month.month, 1)


@dataclass
class Row:
    """One result to store: identity (metric, offense, params), outcome and provenance."""

    metric: str
    offense: str
    params: dict[str, Any]
    status: str
    value: dict[str, Any]
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    evidence_tier: int | None = None
    method: str = ""
    data_through: dt.date | None = None

    def __post_init__(self) -> None:
        if self.status == "null" and not self.reason:
            raise ValueError(f"{self.metric}: a null result must carry a reason")
        self.value = to_jsonable(self.value)
        self.params = to_jsonable(self.params)
        self.flags = sorted(set(self.flags))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.metric, self.offense, params_key(self.params))


def row_from(
    res: MetricResult,
    *,
    metric: str | None = None,
    offense: str,
    params: dict[str, Any] | None = None,
    value: dict[str, Any],
    data_through: dt.date | None,
    extra_flags: list[str] | None = None,
) -> Row:
    """A :class:`Row` from a compute envelope with the value renamed to the export contract."""
    if res.missing:
        value = {**value, "missing": list(res.missing)}
    return Row(
        metric=metric or res.metric,
        offense=offense,
        params=params or {},
        status=res.status,
        reason=res.reason or "",
        flags=list(res.flags) + list(extra_flags or []),
        evidence_tier=res.evidence_tier,
        method=res.method,
        value=value,
        data_through=data_through,
    )
