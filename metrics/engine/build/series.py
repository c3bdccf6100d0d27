"""Frames → one calendar-complete monthly series per offense, with the data-quality gate applied.

Monthly counts come first; an offense only present in incident data is counted by occurrence
month inside the imported coverage (months outside it are missing). Violent crime is derived
from its four components when the site reports them (docs/metrics.md §1). The rules DQ1–DQ4 and DQ6
run on every series; a finding a liaison confirmed as correct data is not applied again.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.compute import (
    MonthlySeries,
    apply_status_flags,
    complete_monthly,
    derive_violent,
    dq1_missing_months,
    dq4_provisional,
    dq6_revisions,
)
from metrics.compute.series import MISSING
from metrics.engine.build.comparative import pool_series
from metrics.engine.loaders import SiteInputs
from metrics.offenses import VIOLENT_COMPONENTS, offense_sort_key


@dataclass
class OffenseSeries:
    """One offense's monthly series after the data-quality gate.

    ``source`` is ``monthly_counts``, ``incidents`` or ``derived`` (violent crime from its
    components). ``revised`` lists the months whose value changed by more than 5% since first
    reported (DQ6: both values are kept; the series shows a "revised" badge).
    """

    offense: str
    ms: MonthlySeries
    source: str
    revised: list[str] = field(default_factory=list)

    @functools.cached_property
    def data_through(self) -> pd.Period | None:
        """Last month with data (reported, provisional or suspect); read by every row of the
        offense, computed once (the gated series is not changed after it is built)."""
        present = self.ms.status[self.ms.status != MISSING]
        return None if present.empty else pd.Period(present.index[-1], freq="M")


def _gate(ms: MonthlySeries, *, as_of: dt.date) -> MonthlySeries:
    """Apply DQ1 and DQ4 as of ``as_of`` on top of the stored month statuses."""
    return apply_status_flags(ms, dq1_missing_months(ms) + dq4_provisional(ms, as_of=as_of))


def _covered_months(
    coverage: list[tuple[dt.date, dt.date]], occurred: pd.Series
) -> tuple[pd.PeriodIndex, bool]:
    """Months of the declared coverages (an upload declares the first and last month it
    covers); inferred from the incidents when none is declared (``True`` as the second
    value then)."""
    months: set[pd.Period] = set()
    for start, end in coverage:
        first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
        if last >= first:
            months.update(pd.period_range(first, last, freq="M"))
    if months:
        return pd.PeriodIndex(sorted(months), freq="M"), False
    if occurred.empty:
        return pd.PeriodIndex([], freq="M"), False
    per = occurred.dt.to_period("M")
    return pd.period_range(per.min(), per.max(), freq="M"), True


def incident_series(
    inputs: SiteInputs,
) -> tuple[dict[str, MonthlySeries], pd.PeriodIndex, bool]:
    """Monthly incident counts per offense code inside the coverage (zeros are true zeros)."""
    inc = inputs.incidents
    covered, inferred = _covered_months(inputs.coverage, inc["occurred_on"])
    out: dict[str, MonthlySeries] = {}
    if covered.empty:
        return out, covered, inferred
    full = pd.period_range(covered.min(), covered.max(), freq="M")
    in_cov = full.isin(covered)
    coded = inc[inc["offense"].notna()]
    if not len(coded):
        return out, covered, inferred
    # Incidents per (offense, month of ``full``) counted with one bincount (a crosstab and a
    # reindex per offense cost more than the rest of the series); every offense with an
    # incident gets a series, as the crosstab's columns did, in code order.
    position = coded["occurred_on"].dt.to_period("M").array.asi8 - full[0].ordinal
    codes, names = pd.factorize(coded["offense"], sort=True)
    inside = (position >= 0) & (position < len(full))
    table = np.bincount(
        codes[inside] * len(full) + position[inside], minlength=len(names) * len(full)
    ).reshape(len(names), len(full))
    for code, row in zip(names, table, strict=True):
        counts = pd.Series(row.astype("float64"), index=full)
        counts[~in_cov] = np.nan
        out[str(code)] = complete_monthly(counts, start=full[0], end=full[-1])
    return out, covered, inferred


def build_series(inputs: SiteInputs, *, as_of: dt.date) -> list[OffenseSeries]:
    """Every offense's gated series, in display order."""
    monthly = inputs.monthly
    raw: dict[str, tuple[MonthlySeries, str, list[str]]] = {}
    if len(monthly):
        wide = monthly.pivot(index="month", columns="offense", values="count").sort_index()
        status = monthly.pivot(index="month", columns="offense", values="status")
        first = monthly.pivot(index="month", columns="offense", values="first_count")
        for code in wide.columns:
            col = wide[code].dropna()
            ms = complete_monthly(col, status[code].dropna().reindex(col.index))
            revised = [f.key for f in dq6_revisions(first[code].dropna(), col)]
            raw[str(code)] = (ms, "monthly_counts", revised)
    for code, ms in incident_series(inputs)[0].items():
        if code not in raw:
            raw[code] = (ms, "incidents", [])
    # A site linked to its place in the comparison pool gets the pool's GVA counts for the
    # outcomes its own uploads do not have (docs/metrics.md §9.6).
    for code, ms in pool_series(inputs).items():
        if code not in raw:
            raw[code] = (ms, "comparison_pool", [])
    gated: dict[str, OffenseSeries] = {}
    for code, (ms, source, revised) in raw.items():
        gated[code] = OffenseSeries(
            code, _gate(ms, as_of=as_of), source, [str(k)[:7] for k in revised]
        )
    if all(c in gated and gated[c].source == "monthly_counts" for c in VIOLENT_COMPONENTS):
        comps = pd.DataFrame({c: gated[c].ms.counts for c in VIOLENT_COMPONENTS})
        stats = pd.DataFrame({c: gated[c].ms.status for c in VIOLENT_COMPONENTS})
        comps = comps.reindex(stats.index)
        violent = derive_violent(comps, stats.fillna(MISSING))
        gated["violent_crime"] = OffenseSeries("violent_crime", violent, "derived")
    return [gated[c] for c in sorted(gated, key=offense_sort_key)]
