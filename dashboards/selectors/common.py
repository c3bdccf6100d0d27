"""Small shared pieces of the dashboards: how a stored 12-month change is worded, sparklines,
months and quarters. Pure functions over stored values; nothing here touches the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrics.charts import TREND_STYLE, sparkline_points

VIOLENT = "violent_crime"
# docs/metrics.md D7: a change is flagged when |z| ≥ 3; below that it is "no clear change".
Z_FLAG = 3.0
# docs/metrics.md D5: "small numbers" when the base is below 20.
SMALL_BASE = 20
STALE_DATA_DAYS = 60
NO_TA_DAYS = 60
TOO_FEW_WORDS = "too few events to assess change"

NULL_REASONS = {
    "missing_months": "a month in the window has no data",
    "provisional_months": "months in the window are still provisional",
    "suspect_months": "a month in the window failed a data-quality check",
    "component_missing": "a component of violent crime is missing",
    "no_reported_months": "no reported months yet",
    "coverage_undeclared": "the incident source's coverage was not declared",
    "unstable_fit": "the trend model gives no stable projection",
    "no_result": "not computed yet",
}

MINUS = "\u2212"

# A stored ``MetricResult`` as one ``.values(...)`` row: each reader picks its own columns.
StoredResult = Mapping[str, Any]


def signed(value: float, digits: int = 1) -> str:
    """``-10.94`` → ``−10.9``; ``3`` → ``+3.0`` (a real minus sign, as print does)."""
    text = f"{value:+.{digits}f}"
    return text.replace("-", MINUS)


def reason_text(reason: str) -> str:
    return NULL_REASONS.get(reason, reason.replace("_", " "))


def month_text(value: str | dt.date | None) -> str:
    """``2026-03`` / ``date(2026, 3, 1)`` → ``Mar 2026``; None → ``—``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:7] + "-01")
        except ValueError:
            return value
        return f"{day:%b %Y}"
    return f"{value:%b %Y}"


def month_end(day: dt.date) -> dt.date:
    """Last day of ``day``'s month."""
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def quarter_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar quarter containing ``today``."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = dt.date(today.year, first_month, 1)
    return start, month_end(dt.date(today.year, first_month + 2, 1))


def months_back(today: dt.date, n: int) -> list[dt.date]:
    """The first days of the ``n`` months ending with ``today``'s month, oldest first."""
    out = []
    y, m = today.year, today.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out[::-1]


@dataclass(frozen=True)
class TrendChange:
    """A stored 12-month change, worded by docs/metrics.md §1/§6: never a percent without its two
    counts, "too few events" on a small base, and the reason when there is no number."""

    trend: str  # a key of charts.TREND_STYLE: down | up | flat | unknown
    current: int | None = None
    base: int | None = None
    pct: float | None = None
    z: float | None = None
    as_of: str | None = None
    reason: str = ""
    small_base: bool = False

    @property
    def words(self) -> str:
        if self.small_base:
            return TOO_FEW_WORDS
        return TREND_STYLE[self.trend][2]

    @property
    def arrow(self) -> str:
        return {"down": "▼", "up": "▲", "flat": "◆", "unknown": "□"}[self.trend]

    @property
    def counts_text(self) -> str:
        if self.current is None:
            return ""
        if self.base is None:
            return f"{self.current:,}"
        return f"{self.base:,} → {self.current:,}"

    @property
    def text(self) -> str:
        """The whole statement, counts first."""
        if self.current is None:
            return f"No 12-month total: {reason_text(self.reason or 'no_result')}"
        if self.base is None:
            return (
                f"{self.current:,} in the last 12 months; no complete earlier 12 months "
                f"to compare ({reason_text(self.reason or 'missing_months')})"
            )
        if self.base == 0:
            return f"up from 0 to {self.current:,}" if self.current else "no change (0 → 0)"
        if self.small_base:
            return f"{self.counts_text}: {TOO_FEW_WORDS}"
        assert self.pct is not None and self.z is not None
        return f"{self.counts_text} ({signed(self.pct)}%, z {signed(self.z)})"

    @property
    def sort_z(self) -> float | None:
        """What "sort by trend" orders by: the Poisson z (None when there is no change)."""
        if self.current is None or self.base is None or self.small_base:
            return None
        return self.z


def trend_from_result(result: StoredResult | None) -> TrendChange:
    """The 12-month change of a stored ``rolling_12m`` result (``values()`` dict or None)."""
    if result is None:
        return TrendChange("unknown", reason="no_result")
    value = result.get("value") or {}
    if result.get("status") != "ok":
        return TrendChange("unknown", reason=result.get("reason") or "no_result")
    current, base = value.get("r12"), value.get("prev_r12")
    as_of = value.get("as_of")
    if current is None:
        return TrendChange("unknown", as_of=as_of, reason="missing_months")
    if base is None:
        return TrendChange(
            "unknown", current=current, as_of=as_of, reason=value.get("change_reason") or ""
        )
    if base == 0:
        return TrendChange("unknown", current=current, base=0, as_of=as_of)
    if base < SMALL_BASE:
        return TrendChange("unknown", current=current, base=base, as_of=as_of, small_base=True)
    z = float(value.get("poisson_z") or 0.0)
    pct = value.get("pct_change")
    pct = float(pct) if pct is not None else 100.0 * (current - base) / base
    trend = "up" if z >= Z_FLAG else ("down" if z <= -Z_FLAG else "flat")
    return TrendChange(trend, current=current, base=base, pct=pct, z=z, as_of=as_of)


@dataclass(frozen=True)
class Sparkline:
    """A server-drawn SVG sparkline: polyline segments that break at missing months."""

    segments: list[str]
    first: str
    last: str
    values: list[int | None]
    provisional: int = 0
    width: int = 120
    height: int = 28

    @property
    def missing(self) -> int:
        return sum(1 for v in self.values if v is None)

    @property
    def label(self) -> str:
        """A text alternative: range, counts and missing months."""
        shown = ", ".join("missing" if v is None else f"{v:,}" for v in self.values)
        note = f" ({self.provisional} provisional)" if self.provisional else ""
        return f"Violent crime per month, {self.first} to {self.last}: {shown}{note}"


def sparkline_from_series(series: list[dict[str, Any]], n: int = 12) -> Sparkline | None:
    """The last ``n`` months of a stored ``monthly_count`` series (missing → a gap)."""
    if not series:
        return None
    tail = series[-n:]
    values: list[int | None] = [
        None if p.get("status") == "missing" or p.get("count") is None else int(p["count"])
        for p in tail
    ]
    segments = sparkline_points([None if v is None else float(v) for v in values])
    return Sparkline(
        segments=segments,
        first=month_text(tail[0]["month"]),
        last=month_text(tail[-1]["month"]),
        values=values,
        provisional=sum(1 for p in tail if p.get("status") == "provisional"),
    )
