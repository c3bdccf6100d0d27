"""Frames → one calendar-complete monthly series per offense, with the data-quality gate applied.

Monthly counts come first; an offense only present in incident data is counted by occurrence
month inside the imported coverage (months outside it are missing). Violent crime is derived
from its four components when the site reports them (METRICS.md §1). The rules DQ1–DQ4 and DQ6
run on every series; a finding a liaison confirmed as correct data is not applied again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.compute import (
    Flag,
    MonthlySeries,
    apply_status_flags,
    complete_monthly,
    derive_violent,
    dq1_missing_months,
    dq2_all_offenses_zero,
    dq2_implausible_zero,
    dq3_outliers,
    dq4_provisional,
    dq6_revisions,
)
from metrics.compute.series import MISSING, VIOLENT_COMPONENTS, month_label
from metrics.engine.loaders import SiteInputs

# Order in which offenses are listed, and in which the headline offense is chosen.
OFFENSE_ORDER = [
    "violent_crime",
    "homicide",
    "nonfatal_shooting_victims",
    "nonfatal_shooting_incidents",
    "fatal_shooting_incidents",
    "shots_fired",
    "robbery",
    "aggravated_assault",
    "rape",
    "burglary",
    "larceny",
    "motor_vehicle_theft",
]


@dataclass
class OffenseSeries:
    """One offense's monthly series after the data-quality gate.

    ``source`` is ``monthly_counts``, ``incidents`` or ``derived`` (violent crime from its
    components). ``quality`` are the findings (``{month, offense, rule, detail}``) and
    ``revised`` the months whose value changed by more than 5% since first reported.
    """

    offense: str
    ms: MonthlySeries
    source: str
    quality: list[dict[str, str | None]] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)

    @property
    def data_through(self) -> pd.Period | None:
        """Last month with data (reported, provisional or suspect)."""
        present = self.ms.status[self.ms.status != MISSING]
        return None if present.empty else pd.Period(present.index[-1], freq="M")


def _sort_key(code: str) -> tuple[int, str]:
    return (OFFENSE_ORDER.index(code) if code in OFFENSE_ORDER else len(OFFENSE_ORDER), code)


def _as_dict(flag: Flag, offense: str) -> dict[str, str | None]:
    return {"month": flag.key, "offense": offense, "rule": flag.rule, "detail": flag.message}


def _gate(
    offense: str,
    ms: MonthlySeries,
    *,
    as_of: dt.date,
    confirmed: set[tuple[str, str, str]],
    extra: list[Flag],
) -> tuple[MonthlySeries, list[dict[str, str | None]]]:
    """Apply DQ1–DQ4 (and site-wide findings) to one series, skipping confirmed findings."""
    found = (
        dq1_missing_months(ms)
        + dq2_implausible_zero(ms)
        + dq3_outliers(ms)
        + dq4_provisional(ms, as_of=as_of)
        + [f for f in extra if f.key in {month_label(m) for m in ms.counts.index}]
    )
    kept = [f for f in found if (f.rule, offense, f.key) not in confirmed]
    return apply_status_flags(ms, kept), [_as_dict(f, offense) for f in kept]


def _covered_months(
    coverage: list[tuple[dt.date, dt.date]], occurred: pd.Series
) -> tuple[pd.PeriodIndex, bool]:
    """Months fully inside a declared coverage; inferred from the incidents when none is
    declared (``True`` as the second value then)."""
    months: set[pd.Period] = set()
    for start, end in coverage:
        first = pd.Period(start, freq="M")
        if start.day != 1:
            first += 1
        last = pd.Period(end, freq="M")
        if end != last.end_time.date():
            last -= 1
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
    months = coded["occurred_on"].dt.to_period("M")
    table = pd.crosstab(months, coded["offense"]) if len(coded) else pd.DataFrame()
    for code in table.columns:
        counts = table[code].reindex(full, fill_value=0).astype("float64")
        counts[~in_cov] = np.nan
        out[str(code)] = complete_monthly(counts, start=full[0], end=full[-1])
    return out, covered, inferred


def build_series(inputs: SiteInputs, *, as_of: dt.date) -> tuple[list[OffenseSeries], list[dict]]:
    """Every offense's gated series (in display order) and the site-wide findings."""
    monthly = inputs.monthly
    confirmed = inputs.confirmed
    site_quality: list[dict] = []
    raw: dict[str, tuple[MonthlySeries, str, list[str]]] = {}
    if len(monthly):
        wide = monthly.pivot(index="month", columns="offense", values="count").sort_index()
        status = monthly.pivot(index="month", columns="offense", values="status")
        first = monthly.pivot(index="month", columns="offense", values="first_count")
        all_zero = dq2_all_offenses_zero(wide) if wide.shape[1] > 1 else []
        all_zero = [f for f in all_zero if (f.rule, "", f.key) not in confirmed]
        site_quality += [_as_dict(f, "") for f in all_zero]
        for code in wide.columns:
            col = wide[code].dropna()
            ms = complete_monthly(col, status[code].dropna().reindex(col.index))
            revisions = dq6_revisions(first[code].dropna(), col)
            raw[str(code)] = (ms, "monthly_counts", [f.key for f in revisions])
        extra = all_zero
    else:
        extra = []
    inc_series, _, inferred = incident_series(inputs)
    for code, ms in inc_series.items():
        if code not in raw:
            raw[code] = (ms, "incidents", [])
    if inferred:
        site_quality.append(
            {
                "month": None,
                "offense": "",
                "rule": "DQ1",
                "detail": "No coverage declared for the incident uploads; assumed from the "
                "first to the last incident month.",
            }
        )
    gated: dict[str, OffenseSeries] = {}
    for code, (ms, source, revised) in raw.items():
        g, quality = _gate(code, ms, as_of=as_of, confirmed=confirmed, extra=extra)
        for key in revised:
            quality.append(
                {"month": str(key)[:7], "offense": code, "rule": "DQ6", "detail": "Revised."}
            )
        gated[code] = OffenseSeries(code, g, source, quality, [str(k)[:7] for k in revised])
    if all(c in gated and gated[c].source == "monthly_counts" for c in VIOLENT_COMPONENTS):
        comps = pd.DataFrame({c: gated[c].ms.counts for c in VIOLENT_COMPONENTS})
        stats = pd.DataFrame({c: gated[c].ms.status for c in VIOLENT_COMPONENTS})
        comps = comps.reindex(stats.index)
        stats = stats.fillna(MISSING)
        violent = derive_violent(comps, stats)
        gated["violent_crime"] = OffenseSeries("violent_crime", violent, "derived")
    return [gated[c] for c in sorted(gated, key=_sort_key)], site_quality
