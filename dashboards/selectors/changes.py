"""The site dashboard's "What changed" section: the comparisons the engine already stores —
year to date, year over year, the CompStat windows (incident data), the rate per 100,000 with
its population year, and near-repeat — written out with their counts and intervals.

Nothing is computed here: the section is built from the stored result rows the dashboard
already reads (``site_dashboard``'s one query of results), so it adds no query. The wording
follows docs/metrics.md §6 and §7.5: counts come first and are never hidden behind a percent
change; a base below 20 gets no percent at all; a zero base reads "up from 0 to 3" or "no change
(0 → 0)"; every change carries its exact rate ratio with the 95% interval and p; nothing here is
called an effect of PSP (these are descriptive comparisons).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dashboards.selectors.common import StoredResult
from metrics.compute.formatting import (
    format_count,
    format_p_sentence,
    format_pct_table,
    format_rate_ratio,
    round_half_up,
)

# Stored metrics the section reads (besides near_repeat, which is site-wide).
CHANGE_METRICS = ("ytd_change", "yoy_change", "compstat_windows", "rate_per_100k")
NEAR_REPEAT = "near_repeat"
# Below this base a percent change is not printed (docs/metrics.md D5 small_numbers).
SMALL_BASE = 20
# Calendar years of rates shown (the most recent first).
RATE_YEARS = 3

REASONS = {
    "missing_months": "a month in the window is missing",
    "provisional_months": "a month in the window is still provisional",
    "suspect_months": "a month in the window is flagged suspect",
    "no_reported_months": "no month has been reported",
    "outside_coverage": "the window is not inside the incident data's declared coverage",
    "population_missing": "no population is recorded for the site",
    "too_few_incidents": "too few geocoded incidents",
    "incomplete_year": "the comparison months are not all reported",
}
COMPSTAT_WINDOWS = (("wtd", "Week to date"), ("d28", "28 days"), ("ytd", "Year to date"))


def reason_text(reason: str | None) -> str:
    """A stored null reason in words ("not computable" when the code is unknown)."""
    return REASONS.get(reason or "", "not computable")


def _day(value: str | None) -> str:
    if not value:
        return "—"
    day = dt.date.fromisoformat(value)
    return f"{day:%b} {day.day}, {day.year}"


def comparison_text(value: dict[str, Any]) -> str:
    """One stored comparison (current against base) in words, counts first.

    "30 against 40: −10 (−25.0%, Poisson z −1.69); rate ratio 0.75, 95% CI 0.45 to 1.23,
    p = 0.28." A base below 20 keeps the counts and the interval but no percent; a zero base
    uses the stored zero-base text ("up from 0 to 3", "no change (0 → 0)") and the interval.
    An unbounded limit is stored as null and reads ∞.
    """
    current, base = value.get("current"), value.get("base")
    if current is None or base is None:
        return ""
    head = f"{format_count(current)} against {format_count(base)}"
    rr, low, high, p = (value.get(k) for k in ("rr", "rr_ci_low", "rr_ci_high", "p_exact"))
    p_text = f", {format_p_sentence(float(p))}" if p is not None else ""
    if base == 0:
        text = f"{head}: {value.get('pct_change_text') or ''}"
        if low is not None and current > 0:
            text += f"; 95% CI of the rate ratio {_ratio(low)} to {_ratio(high)}{p_text}"
        return text + "."
    diff = current - base
    sign = "+" if diff > 0 else ("\u2212" if diff < 0 else "±")
    change = f"{sign}{format_count(abs(diff))}"
    z = value.get("poisson_z")
    pct = value.get("pct_change")
    if base >= SMALL_BASE and pct is not None:
        pct_text = ("+" if pct > 0 else "") + format_pct_table(pct)
        detail = f" ({pct_text}" + (f", Poisson z {_signed(z)}" if z is not None else "") + ")"
    else:
        detail = f" (base under {SMALL_BASE}: no percent change)"
    text = f"{head}: {change}{detail}"
    if rr is not None and low is not None:
        text += f"; rate ratio {_ratio(rr)}, 95% CI {_ratio(low)} to {_ratio(high)}{p_text}"
    return text + "."


def _ratio(x: float | None) -> str:
    return format_rate_ratio(math.inf if x is None else float(x))


def _signed(z: float) -> str:
    text = f"{abs(float(z)):.2f}"
    return f"\u2212{text}" if float(z) < 0 and text != "0.00" else text


@dataclass(frozen=True)
class ChangeLine:
    """One comparison: what is compared with what, and the stored result in words."""

    label: str
    period: str
    text: str
    reason: str = ""


@dataclass(frozen=True)
class RateLine:
    year: int
    count: int | None
    rate: str
    population: str
    population_year: int
    reason: str = ""


@dataclass
class SiteChanges:
    """The section's content for one offense (and the site-wide near-repeat result)."""

    offense_label: str
    lines: list[ChangeLine] = field(default_factory=list)
    compstat_as_of: str = ""
    compstat: list[ChangeLine] = field(default_factory=list)
    rates: list[RateLine] = field(default_factory=list)
    rate_note: str = ""
    near_repeat: str = ""

    @property
    def has_any(self) -> bool:
        return bool(self.lines or self.compstat or self.rates or self.near_repeat)


def _by_metric(rows: Iterable[StoredResult]) -> dict[str, list[StoredResult]]:
    out: dict[str, list[StoredResult]] = {}
    for r in rows:
        # The comparison places' series (tier 3) are not the site's own figures.
        if (r.get("params") or {}).get("source") == "comparison_pool":
            continue
        out.setdefault(r["metric"], []).append(r)
    # The site's monthly counts before incident-derived series when it has both sources.
    order = {"monthly_counts": 0, "derived": 1, "incidents": 2}
    for group in out.values():
        group.sort(key=lambda r: order.get(str((r.get("params") or {}).get("source")), 3))
    return out


def _source_word(row: StoredResult) -> str:
    source = (row.get("params") or {}).get("source")
    return " (incident data)" if source == "incidents" else ""


def _ytd_line(row: StoredResult) -> ChangeLine:
    v = row.get("value") or {}
    as_of = v.get("as_of")
    label = "Year to date" + _source_word(row)
    if as_of:
        month = dt.date.fromisoformat(str(as_of)[:7] + "-01")
        period = f"Jan–{month:%b} {month.year} against Jan–{month:%b} {month.year - 1}"
    else:
        period = ""
    if row.get("status") != "ok" or v.get("ytd") is None:
        return ChangeLine(label, period, "", reason_text(row.get("reason")))
    value = {**v, "current": v.get("ytd"), "base": v.get("prev_ytd")}
    return ChangeLine(label, period, comparison_text(value))


def _yoy_line(row: StoredResult) -> ChangeLine:
    v = row.get("value") or {}
    label = "Year over year" + _source_word(row)
    period = ""
    if v.get("month"):
        month = dt.date.fromisoformat(str(v["month"])[:7] + "-01")
        period = f"{month:%b %Y} against {month:%b} {month.year - 1}"
    if row.get("status") != "ok" or v.get("current") is None:
        return ChangeLine(label, period, "", reason_text(row.get("reason")))
    return ChangeLine(label, period, comparison_text(v))


def _compstat(row: StoredResult) -> tuple[str, list[ChangeLine]]:
    v = row.get("value") or {}
    lines = []
    for key, label in COMPSTAT_WINDOWS:
        part = v.get(key)
        if not isinstance(part, dict):
            continue
        period = (
            f"{_day(part.get('start'))} – {_day(part.get('end'))} against "
            f"{_day(part.get('base_start'))} – {_day(part.get('base_end'))}"
        )
        if part.get("status") != "ok":
            lines.append(ChangeLine(label, period, "", reason_text(part.get("reason"))))
        else:
            lines.append(ChangeLine(label, period, comparison_text(part)))
    return _day(v.get("as_of")), lines


def _rates(row: StoredResult) -> tuple[list[RateLine], str]:
    v = row.get("value") or {}
    if row.get("status") != "ok":
        return [], reason_text(row.get("reason"))
    out = []
    series = sorted(v.get("series") or [], key=lambda p: -int(p["year"]))
    # The year in progress has fewer than 12 months: it is left out rather than shown missing.
    if series and series[0].get("reason") == "missing_months":
        series = series[1:]
    for point in series[:RATE_YEARS]:
        rate = point.get("rate_per_100k")
        out.append(
            RateLine(
                year=int(point["year"]),
                count=point.get("count"),
                rate="—" if rate is None else f"{round_half_up(float(rate), 1):,.1f}",
                population=format_count(point.get("population") or 0),
                population_year=int(point.get("population_year") or 0),
                reason="" if rate is not None else reason_text(point.get("reason")),
            )
        )
    note = ""
    if "population_single_year" in (row.get("flags") or []):
        note = "One population figure is recorded, so every year uses it."
    return out, note


def near_repeat_text(row: StoredResult | None) -> str:
    """The stored Knox near-repeat result in words (observed against expected close pairs)."""
    if row is None:
        return ""
    v = row.get("value") or {}
    if row.get("status") != "ok":
        return f"Near-repeat pattern: not computed ({reason_text(row.get('reason'))})."
    observed, expected = v.get("observed"), v.get("expected")
    bands_m, bands_d = v.get("distance_bands_m") or [], v.get("time_bands_days") or []
    if not (isinstance(observed, list) and isinstance(expected, list) and observed):
        return ""
    obs = observed[0][0] if isinstance(observed[0], list) else observed[0]
    exp = expected[0][0] if isinstance(expected[0], list) else expected[0]
    p = v.get("p")
    p00 = p[0][0] if isinstance(p, list) and p and isinstance(p[0], list) else p
    dist = _band(bands_m, "m")
    days = _band(bands_d, "days")
    text = (
        f"Near-repeat pattern (Knox test, {format_count(v.get('permutations') or 0)} "
        f"permutations, all geocoded incidents): {format_count(obs)} pairs of incidents within "
        f"{dist} and {days} of each other, against {float(exp):,.1f} expected if timing were "
        "unrelated to place"
    )
    if p00 is not None:
        text += f" ({format_p_sentence(float(p00))})"
    return text + "."


def _band(bands: list[Any], unit: str) -> str:
    if not bands:
        return "the closest band"
    first = bands[0]
    if isinstance(first, list | tuple) and len(first) == 2:
        return f"{format_count(first[1])} {unit}"
    return f"{format_count(first)} {unit}"


def site_changes(
    rows: Iterable[StoredResult], offense_label: str, near_repeat: StoredResult | None = None
) -> SiteChanges:
    """The section for one offense from its stored result rows (``values()`` dicts)."""
    grouped = _by_metric(rows)
    changes = SiteChanges(offense_label=offense_label)
    for row in grouped.get("ytd_change", []):
        changes.lines.append(_ytd_line(row))
    for row in grouped.get("yoy_change", []):
        changes.lines.append(_yoy_line(row))
    for row in grouped.get("compstat_windows", [])[:1]:
        changes.compstat_as_of, changes.compstat = _compstat(row)
    for row in grouped.get("rate_per_100k", [])[:1]:
        changes.rates, changes.rate_note = _rates(row)
    changes.near_repeat = near_repeat_text(near_repeat)
    return changes
