"""Population by year (docs/metrics.md §7.6): which year's figure a rate of a given year uses.

A site keeps a population per year. A year with its own entry uses it; a year between entries
uses the nearest earlier entry; a year before the first entry uses the first. A year without its
own entry is still a data-quality finding (DQ8): the figure used is carried from another year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

# (year, population, source)
PopulationRow = tuple[int, int, str]


def population_of_year(rows: Sequence[PopulationRow], year: int) -> PopulationRow | None:
    """The entry a rate of ``year`` uses, or None when the site has no population at all."""
    if not rows:
        return None
    earlier = [r for r in rows if r[0] <= year]
    return max(earlier, key=lambda r: r[0]) if earlier else min(rows, key=lambda r: r[0])


def monthly_exposure(rows: Sequence[PopulationRow], index: pd.PeriodIndex) -> pd.Series | None:
    """Person-years per month, population / 12 with each month's year's population (§1
    Exposure); None without any population."""
    if not rows:
        return None
    per_year: dict[int, float] = {}
    for y in set(index.year):
        row = population_of_year(rows, int(y))
        assert row is not None  # rows is not empty
        per_year[int(y)] = float(row[1])
    values = [per_year[m.year] / 12.0 for m in index]
    return pd.Series(values, index=index, dtype="float64")


def years_without_population(rows: Sequence[PopulationRow], years: Iterable[int]) -> list[int]:
    """The years among ``years`` that have no entry of their own (DQ8)."""
    known = {r[0] for r in rows}
    return sorted(set(years) - known)
