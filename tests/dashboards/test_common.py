"""How stored 12-month changes are worded (docs/metrics.md §1 and §6): never a percent change
without its counts, "too few events" on a small base, the reason when there is no number; sparklines
break at missing months."""

from __future__ import annotations

import re

from dashboards.selectors.common import (
    TrendChange,
    sparkline_from_series,
    trend_from_result,
)


def result(r12, prev, z=0.0, status="ok", reason="", pct=None):
    if pct is None and prev:
        pct = 100.0 * (r12 - prev) / prev
    return {
        "status": status,
        "reason": reason,
        "value": {
            "r12": r12,
            "prev_r12": prev,
            "poisson_z": z,
            "pct_change": pct,
            "as_of": "2026-08",
        },
    }


def test_a_percent_change_always_stands_beside_its_two_counts():
    t = trend_from_result(result(1100, 1234, z=-3.9))
    assert t.text == "1,234 → 1,100 (−10.9%, z −3.9)"
    assert t.trend == "down" and t.words == "falling"


def test_every_worded_change_with_a_percent_names_both_counts():
    cases = [(1100, 1234, -3.9), (30, 40, -1.7), (3117, 3070, 0.8), (60, 25, 5.2)]
    for current, base, z in cases:
        text = trend_from_result(result(current, base, z=z)).text
        assert "%" in text
        assert re.search(rf"{base:,} → {current:,} \(", text), text


def test_small_base_says_too_few_events_and_gives_no_percent():
    t = trend_from_result(result(15, 12, z=0.0))
    assert t.small_base
    assert t.text == "12 → 15: too few events to assess change"
    assert "%" not in t.text
    assert t.words == "too few events to assess change"
    assert t.sort_z is None


def test_zero_bases_are_worded_not_divided():
    assert trend_from_result(result(3, 0)).text == "up from 0 to 3"
    assert trend_from_result(result(0, 0)).text == "no change (0 → 0)"


def test_a_null_result_says_why_instead_of_showing_a_number():
    t = trend_from_result(result(None, None, status="null", reason="missing_months"))
    assert t.text == "No 12-month total: a month in the window has no data"
    assert t.trend == "unknown"
    assert trend_from_result(None).text == "No 12-month total: not computed yet"


def test_no_earlier_window_gives_the_total_with_the_reason():
    t = trend_from_result(
        {
            "status": "ok",
            "value": {"r12": 1664, "prev_r12": None, "change_reason": "missing_months"},
        }
    )
    assert t.text.startswith("1,664 in the last 12 months; no complete earlier 12 months")
    assert "%" not in t.text


def test_a_change_below_z_3_is_no_clear_change_whatever_its_percent():
    t = trend_from_result(result(1150, 1234, z=-2.4))
    assert t.trend == "flat" and t.words == "no clear change"
    assert "(−6.8%, z −2.4)" in t.text


def test_rising_when_z_reaches_3():
    assert trend_from_result(result(1400, 1234, z=3.0)).trend == "up"


def test_zero_percent_is_shown_as_zero_not_na():
    t = TrendChange("flat", current=100, base=100, pct=0.0, z=0.0)
    assert t.text == "100 → 100 (+0.0%, z +0.0)"


def test_sparkline_breaks_at_a_missing_month_and_says_so():
    series = [
        {"month": f"2026-{m:02d}", "count": 10 + m, "status": "reported"} for m in range(1, 13)
    ]
    series[5] = {"month": "2026-06", "count": None, "status": "missing"}
    line = sparkline_from_series(series)
    assert len(line.segments) == 2
    assert line.missing == 1
    assert "missing" in line.label and line.label.startswith("Violent crime per month, Jan 2026")


def test_sparkline_uses_the_last_twelve_months_and_counts_provisional_ones():
    series = [{"month": f"2025-{m:02d}", "count": m, "status": "reported"} for m in range(1, 13)]
    series += [{"month": "2026-01", "count": 5, "status": "provisional"}]
    line = sparkline_from_series(series)
    assert line.first == "Feb 2025" and line.last == "Jan 2026"
    assert line.provisional == 1 and "(1 provisional)" in line.label
    assert len(line.segments) == 1
