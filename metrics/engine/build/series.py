"""Frames → one calendar-complete monthly series per offense, with the data-quality gate applied.

Monthly counts come first; an offense only present in incident data is counted by occurrence
month inside the imported coverage (months outside it are missing). Violent crime is derived
from its four components when the site reports them (docs/metrics.md §1). The rules DQ1–DQ4 and DQ6
run on every series; a finding a liaison confirmed as correct data is not applied again, a month
a person marked wrong is left out (missing), and incident series take the intake's DQ2/DQ3
findings as suspect months (§7.3).
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
from metrics.compute.quality import ALL_OFFENSES, RAMP_SCOPE, Flag
from metrics.compute.series import MISSING, SUSPECT
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
    # Incident series: the months inside a declared coverage (§7.3: only they start a window),
    # and the months from which a source ramp ends (automatic DQ5 breaks).
    declared: pd.PeriodIndex | None = None
    ramp_breaks: list[dt.date] = field(default_factory=list)

    def undeclared_months(self, start: pd.Period, end: pd.Period) -> bool:
        """Whether an incident series has months in [start, end] outside declared coverage
        (months beyond the series are left to the window's own reasons: missing, incomplete)."""
        if self.source != "incidents":
            return False
        first, last = max(start, self.ms.first), min(end, self.ms.last)
        if first > last:
            return False
        if self.declared is None or self.declared.empty:
            return True
        return not pd.period_range(first, last, freq="M").isin(self.declared).all()

    @functools.cached_property
    def data_through(self) -> pd.Period | None:
        """Last month with data (reported, provisional or suspect); read by every row of the
        offense, computed once (the gated series is not changed after it is built)."""
        present = self.ms.status[self.ms.status != MISSING]
        return None if present.empty else pd.Period(present.index[-1], freq="M")


def _gate(ms: MonthlySeries, *, as_of: dt.date) -> MonthlySeries:
    """Apply DQ1 and DQ4 as of ``as_of`` on top of the stored month statuses."""
    return apply_status_flags(ms, dq1_missing_months(ms) + dq4_provisional(ms, as_of=as_of))


SUSPECT_RULES = ("DQ2", "DQ3", "DQ7")


def _apply_flags(
    ms: MonthlySeries, code: str, source: str, flags: list[dict[str, str | None]]
) -> MonthlySeries:
    """The people's answers and the intake's findings on one series (§7.3): a month a person
    marked wrong is missing (windows touching it are null); on incident series, whose months
    have no stored status, an open DQ2/DQ3 finding makes the month suspect."""
    marks: list[Flag] = []
    for f in flags:
        month, scope = f.get("month"), f.get("offense")
        if not month or scope not in (code, ALL_OFFENSES):
            continue
        if f.get("status") == "wrong":
            marks.append(Flag(str(f["rule"]), month, MISSING, "Marked wrong by a person."))
        elif source == "incidents" and f.get("rule") in SUSPECT_RULES and f["status"] == "open":
            marks.append(Flag(str(f["rule"]), month, SUSPECT, str(f.get("detail") or "")))
    if not marks:
        return ms
    out = apply_status_flags(ms, marks)
    wrong = out.status == MISSING
    return MonthlySeries(counts=out.counts.where(~wrong), status=out.status, reason=out.reason)


def _covered_months(
    coverage: list[tuple[dt.date, dt.date, bool]], occurred: pd.Series
) -> tuple[pd.PeriodIndex, pd.PeriodIndex]:
    """Months of every coverage (an upload gives the first and last month it covers) and the
    months of the declared ones; inferred from the incidents when no upload gives one (none of
    them declared then)."""
    months: set[pd.Period] = set()
    declared: set[pd.Period] = set()
    for start, end, is_declared in coverage:
        first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
        if last >= first:
            span = pd.period_range(first, last, freq="M")
            months.update(span)
            if is_declared:
                declared.update(span)
    none = pd.PeriodIndex([], freq="M")
    if months:
        return pd.PeriodIndex(sorted(months), freq="M"), pd.PeriodIndex(sorted(declared), freq="M")
    if occurred.empty:
        return none, none
    per = occurred.dt.to_period("M")
    return pd.period_range(per.min(), per.max(), freq="M"), none


def incident_series(
    inputs: SiteInputs,
) -> tuple[dict[str, MonthlySeries], pd.PeriodIndex, pd.PeriodIndex]:
    """Monthly incident counts per offense code inside the coverage (zeros are true zeros),
    the covered months and the declared ones."""
    inc = inputs.incidents
    covered, declared = _covered_months(inputs.coverage, inc["occurred_on"])
    out: dict[str, MonthlySeries] = {}
    if covered.empty:
        return out, covered, declared
    full = pd.period_range(covered.min(), covered.max(), freq="M")
    in_cov = full.isin(covered)
    coded = inc[inc["offense"].notna()]
    if not len(coded):
        return out, covered, declared
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
    return out, covered, declared


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
    by_offense, _, declared = incident_series(inputs)
    for code, ms in by_offense.items():
        if code not in raw:
            raw[code] = (ms, "incidents", [])
    # A site linked to its place in the comparison pool gets the pool's GVA counts for the
    # outcomes its own uploads do not have (docs/metrics.md §9.6).
    for code, ms in pool_series(inputs).items():
        if code not in raw:
            raw[code] = (ms, "comparison_pool", [])

    ramps = sorted(
        dt.date.fromisoformat(f"{f['month']}-01")
        for f in inputs.flags
        if f.get("rule") == "DQ5" and f.get("offense") == RAMP_SCOPE and f.get("month")
    )
    gated: dict[str, OffenseSeries] = {}
    for code, (ms, source, revised) in raw.items():
        ms = _apply_flags(ms, code, source, inputs.flags)
        incidents = source == "incidents"
        gated[code] = OffenseSeries(
            code,
            _gate(ms, as_of=as_of),
            source,
            [str(k)[:7] for k in revised],
            declared=declared if incidents else None,
            ramp_breaks=ramps if incidents else [],
        )
    if all(c in gated and gated[c].source == "monthly_counts" for c in VIOLENT_COMPONENTS):
        comps = pd.DataFrame({c: gated[c].ms.counts for c in VIOLENT_COMPONENTS})
        stats = pd.DataFrame({c: gated[c].ms.status for c in VIOLENT_COMPONENTS})
        comps = comps.reindex(stats.index)
        violent = derive_violent(comps, stats.fillna(MISSING))
        gated["violent_crime"] = OffenseSeries("violent_crime", violent, "derived")
    return [gated[c] for c in sorted(gated, key=offense_sort_key)]
