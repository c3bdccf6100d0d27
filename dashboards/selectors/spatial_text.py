"""Sentences for the site dashboard's hot spots and concentration, from stored results only
(docs/metrics.md §7.1–§7.2): each observed figure sits beside what random placement of the
same incidents gives, counts beside percents, and "no hot spots beyond chance" when no cell
beats the null.

Results stored before §7 lack the null fields; their sentences leave the null out rather than
invent it (the engine version marks such results stale, so the next compute replaces them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dashboards.selectors.common import month_text
from metrics.compute.spatial import top_cells_count


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _tenth(x: float) -> str:
    """One decimal without a trailing .0 (0.3, 1, 2.5); below 0.1 one significant digit (0.04),
    so a rare chance hot cell never reads as 0."""
    if 0 < x < 0.1:
        return f"{x:.1g}"
    return f"{round(x, 1):g}"


def _pct(part: float, whole: float) -> str:
    return f"{round(100 * part / whole):.0f}%" if whole else "—"


def hot_spot_sentence(value: Mapping[str, Any]) -> str | None:
    """The hot-spot line: observed hot cells with the incidents they hold, and the random-
    placement null beside them; "No hot spots beyond chance" when there is none."""
    n_hot = value.get("n_hot")
    if n_hot is None:
        return None
    n = value.get("n_incidents")
    mean, p95 = value.get("null_hot_mean"), value.get("null_hot_p95")
    null = ""
    if mean is not None and p95 is not None:
        null = (
            f"random placement of the same incidents gives {_tenth(mean)} on average, "
            f"95th percentile {_tenth(p95)}"
        )
    if n_hot == 0:
        text = "No hot spots beyond chance: no cell is hotter than random placement produces"
        return f"{text} ({null})." if null else f"{text}."
    held = value.get("incidents_in_hot_areas")
    holding = ""
    if held is not None and n:
        # Gi* judges a cell by its neighbourhood, so the incidents are counted there too.
        holding = (
            f"; {'it' if n_hot == 1 else 'they'} and {'its' if n_hot == 1 else 'their'} "
            f"neighbouring cells hold {held:,} of {n:,} incidents ({_pct(held, n)})"
        )
    elif value.get("pct_incidents_in_hot") is not None:
        holding = f", holding {value['pct_incidents_in_hot']:.0f}% of incidents"
    text = f"Getis-Ord Gi* hot spots: {_n(int(n_hot), 'hot cell')}{holding}"
    return f"{text}; {null}." if null else f"{text}."


def concentration_lines(
    conc: Mapping[str, Any], hot: Mapping[str, Any] | None, stability: Mapping[str, Any] | None
) -> list[str]:
    """The dashboard's list under "Incidents: hot spots and concentration" for ok results."""
    value = conc.get("value") or {}
    params = conc.get("params") or {}
    n = value.get("n_incidents")
    cells = value.get("study_area_cells", value.get("n_units"))
    cell_m = value.get("cell_m", params.get("cell_m"))
    lines: list[str] = []
    if n is not None and cells is not None and cell_m is not None:
        area = " around them" if "study_area_cells" in value else ""
        lines.append(
            f"{_n(int(n), 'incident')} from {month_text(value.get('period_start'))} to "
            f"{month_text(value.get('period_end'))}, counted on {_n(int(cells), 'cell')} of "
            f"{float(cell_m):,.0f} m{area}."
        )
    g, null = value.get("gini_generalized"), value.get("gini_generalized_null")
    low, high = value.get("null_low"), value.get("null_high")
    if g is not None and null is not None and low is not None and high is not None:
        verdict = (
            "more concentrated than chance"
            if g > high
            else "no more concentrated than chance"
            if g >= low
            else "less concentrated than chance"
        )
        lines.append(
            f"Concentration (generalized Gini, 0 = even, 1 = all in one cell): {g:.2f}; "
            f"random placement of the same incidents gives {null:.2f} (95% of placements "
            f"between {low:.2f} and {high:.2f}): {verdict}, excess {g - null:+.2f}."
        )
    elif g is not None:
        lines.append(f"Generalized Gini {g:.2f}.")
    share = value.get("share_top5")
    if cells:
        k = top_cells_count(int(cells))
        if share is None and value.get("share_top5_reason") == "too_sparse" and n is not None:
            lines.append(
                f"No busiest-5% share: 5% of the cells ({k:,}) is more cells than there are "
                f"incidents ({n:,})."
            )
        elif share is not None and n:
            held = round(share * n)
            rand = value.get("share_top5_random")
            chance = f"; random placement of the same number: {rand * 100:.0f}%" if rand else ""
            lines.append(
                f"The busiest 5% of cells ({k:,}) held {held:,} of {n:,} incidents "
                f"({share * 100:.0f}%{chance})."
            )
        half = value.get("pct_units_50")
        if half is not None:
            k50 = max(1, math.ceil(half / 100 * cells - 1e-9))
            lines.append(f"Half of all incidents fell in {_n(k50, 'cell')} of {cells:,}.")
    if hot is not None and hot.get("status") == "ok":
        sentence = hot_spot_sentence(hot.get("value") or {})
        if sentence:
            lines.append(sentence)
    if stability is not None and stability.get("status") == "ok":
        sv = stability.get("value") or {}
        jac = ", ".join(f"{j:.2f}" for j in sv.get("jaccard", []) if j is not None)
        periods = ", ".join(sv.get("periods", []))
        if jac:
            lines.append(
                f"Busiest-5% cells kept between consecutive 12-month periods ({periods}): "
                f"Jaccard {jac}."
            )
    return lines
