"""Calendar-complete monthly series and month status (docs/metrics.md §1, D1, DQ1).

Counts are held as ``float64`` with ``NaN`` for a missing month (never 0) and a parallel
status series whose values are ``reported``, ``missing``, ``provisional`` or ``suspect``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from metrics.offenses import VIOLENT_COMPONENTS

MonthStatus = Literal["reported", "missing", "provisional", "suspect"]
REPORTED: MonthStatus = "reported"
MISSING: MonthStatus = "missing"
PROVISIONAL: MonthStatus = "provisional"
SUSPECT: MonthStatus = "suspect"
STATUSES: tuple[str, ...] = (REPORTED, MISSING, PROVISIONAL, SUSPECT)
# Months that count in an estimate: suspect months stay in (docs/metrics.md §7.3).
USABLE: tuple[str, ...] = (REPORTED, SUSPECT)


MonthLike: TypeAlias = pd.Period | str | dt.date | pd.Timestamp


def to_month(value: MonthLike) -> pd.Period:
    """Coerce a month-like value to a monthly ``pd.Period`` (docs/metrics.md §1)."""
    if isinstance(value, pd.Period):
        return value.asfreq("M") if value.freqstr != "M" else value
    return pd.Period(value, freq="M")


def month_label(month: pd.Period) -> str:
    """``YYYY-MM`` label used in ``missing=[...]`` lists (docs/metrics.md §1)."""
    return f"{month.year:04d}-{month.month:02d}"


def _to_period_index(index: pd.Index) -> pd.PeriodIndex:
    if isinstance(index, pd.PeriodIndex):
        return index.asfreq("M")
    if isinstance(index, pd.DatetimeIndex):
        return index.to_period("M")
    return pd.PeriodIndex([to_month(v) for v in index], freq="M")


@dataclass(frozen=True)
class MonthlySeries:
    """A calendar-complete monthly series: counts (NaN = missing) and month status (§1, D1).

    ``reason`` is set for derived series (e.g. ``component_missing`` for violent crime).
    """

    counts: pd.Series
    status: pd.Series
    reason: pd.Series | None = None

    @property
    def first(self) -> pd.Period:
        """First month of the series."""
        return pd.Period(self.counts.index[0], freq="M")

    @property
    def last(self) -> pd.Period:
        """Last month of the series."""
        return pd.Period(self.counts.index[-1], freq="M")

    def latest_reported(self) -> pd.Period | None:
        """The latest month whose status is ``reported`` or ``suspect`` (docs/metrics.md D2's
        M; suspect months count since §7.3)."""
        reported = self.status[self.status.isin(USABLE)]
        if reported.empty:
            return None
        return pd.Period(reported.index[-1], freq="M")


def complete_monthly(
    counts: pd.Series,
    status: pd.Series | None = None,
    *,
    start: MonthLike | None = None,
    end: MonthLike | None = None,
) -> MonthlySeries:
    """Reindex monthly counts to a full calendar index (docs/metrics.md §1, D1 monthly_count).

    ``counts`` is indexed by month (``pd.Period`` 'M', timestamps or ``YYYY-MM`` strings);
    ``status`` is an optional parallel series. A month with no row, or a NaN count, is
    ``missing`` (never 0). Months without an explicit status are ``reported``. Duplicate months
    and negative counts raise ``ValueError`` (DQ7 rejects them at import).
    """
    idx = _to_period_index(counts.index)
    values = pd.Series(np.asarray(counts, dtype="float64"), index=idx)
    if idx.has_duplicates:
        raise ValueError("counts has duplicate months")
    if (values.dropna() < 0).any():
        raise ValueError("counts must not be negative")
    if status is not None:
        sidx = _to_period_index(status.index)
        if sidx.has_duplicates:
            raise ValueError("status has duplicate months")
        st = pd.Series(np.asarray(status, dtype=object), index=sidx, dtype=object)
        bad = set(st.dropna().unique()) - set(STATUSES)
        if bad:
            raise ValueError(f"unknown month status: {sorted(map(str, bad))}")
    else:
        st = pd.Series(dtype=object, index=pd.PeriodIndex([], freq="M"))
    known = idx.union(st.index) if len(st) else idx
    if len(known) == 0 and (start is None or end is None):
        raise ValueError("an empty series needs start and end")
    first = to_month(start) if start is not None else known.min()
    last = to_month(end) if end is not None else known.max()
    if last < first:
        raise ValueError("end is before start")
    full = pd.period_range(first, last, freq="M")
    out_counts = values.reindex(full)
    out_status = st.reindex(full).astype(object)
    present = out_counts.notna().to_numpy()
    stat = np.where(pd.isna(out_status.to_numpy()), REPORTED, out_status.to_numpy()).astype(object)
    stat[~present] = MISSING
    # A month the caller marked missing has no usable count either.
    out_counts[stat == MISSING] = np.nan
    return MonthlySeries(
        counts=pd.Series(out_counts.to_numpy(dtype="float64"), index=full, name="count"),
        status=pd.Series(stat, index=full, dtype=object, name="status"),
    )


def as_monthly(counts: pd.Series | MonthlySeries, status: pd.Series | None = None) -> MonthlySeries:
    """Accept either a ``MonthlySeries`` or a (counts, status) pair (docs/metrics.md §1)."""
    if isinstance(counts, MonthlySeries):
        return counts
    return complete_monthly(counts, status)


@dataclass(frozen=True)
class WindowCheck:
    """Whether every month of a window is usable for a headline (docs/metrics.md §1)."""

    ok: bool
    reason: str | None
    missing: list[str]
    not_reported: list[str]


def months_between(start: pd.Period, end: pd.Period) -> pd.PeriodIndex:
    """Inclusive monthly range ``start..end`` (docs/metrics.md §1)."""
    return pd.period_range(start, end, freq="M")


def _contiguous(index: pd.PeriodIndex) -> bool:
    """Whether a monthly index runs month by month without gaps or repeats."""
    return bool(index[-1].ordinal - index[0].ordinal == len(index) - 1) and bool(
        index.is_monotonic_increasing and index.is_unique
    )


def check_window(ms: MonthlySeries, start: MonthLike, end: MonthLike) -> WindowCheck:
    """Check a window: any missing month → ``missing_months``; provisional → ``provisional_months``
    (docs/metrics.md §1, DQ1, DQ4). Suspect months stay in (§7.3): the window is usable and lists
    them in ``not_reported``. Months outside the series count as missing."""
    s, e = to_month(start), to_month(end)
    index = ms.status.index
    ordinals = np.arange(s.ordinal, e.ordinal + 1)
    pos = ordinals - (index[0].ordinal if len(index) else 0)
    if (
        len(index)
        and isinstance(index, pd.PeriodIndex)
        and index.freqstr == "M"
        and _contiguous(index)
    ):
        # Calendar-complete (as every MonthlySeries is): positions, not a reindex.
        inside = (pos >= 0) & (pos < len(index))
        st = np.full(len(ordinals), MISSING, dtype=object)
        st[inside] = ms.status.to_numpy(dtype=object)[pos[inside]]
    else:
        st = ms.status.reindex(months_between(s, e)).to_numpy(dtype=object)
    st[pd.isna(st)] = MISSING
    months = [pd.Period(ordinal=int(o), freq="M") for o in ordinals[st != REPORTED]]
    labels = [month_label(m) for m in months]
    not_reported = st[st != REPORTED]
    missing = [lab for lab, v in zip(labels, not_reported, strict=True) if v == MISSING]
    others = [lab for lab, v in zip(labels, not_reported, strict=True) if v != MISSING]
    if missing:
        return WindowCheck(False, "missing_months", missing, others)
    if any(s == PROVISIONAL for s in st):
        return WindowCheck(False, "provisional_months", [], others)
    return WindowCheck(True, None, [], others)


def incident_monthly_counts(
    occurred: Iterable[dt.date | pd.Timestamp | str] | pd.Series,
    *,
    coverage_start: MonthLike,
    coverage_end: MonthLike,
) -> MonthlySeries:
    """Monthly counts from incident dates by occurrence month (docs/metrics.md §1 incident series).

    Months inside the declared coverage with no incidents are true zeros; the index spans the
    coverage only (incidents outside it are not counted: those months are missing).
    """
    first, last = to_month(coverage_start), to_month(coverage_end)
    months = pd.period_range(first, last, freq="M")
    dates = pd.to_datetime(pd.Series(list(occurred), dtype=object))
    per = dates.dt.to_period("M")
    counts = per[(per >= first) & (per <= last)].value_counts()
    full = counts.reindex(months, fill_value=0).astype("float64")
    status = pd.Series([REPORTED] * len(months), index=months, dtype=object)
    return MonthlySeries(counts=full.rename("count"), status=status.rename("status"))


def derive_violent(
    components: pd.DataFrame,
    status: pd.DataFrame | None = None,
    *,
    names: Sequence[str] = VIOLENT_COMPONENTS,
) -> MonthlySeries:
    """Violent crime = homicide + rape + robbery + aggravated assault (docs/metrics.md §1).

    Only when all four are reported for the month; otherwise the month is ``missing`` with
    ``reason="component_missing"`` (never summed with missing treated as 0). A month with all
    four present but one provisional/suspect takes that status (suspect before provisional).
    """
    absent = [n for n in names if n not in components.columns]
    if absent:
        raise ValueError(f"missing component columns: {absent}")
    parts = {
        n: complete_monthly(components[n], None if status is None else status[n]) for n in names
    }
    first = min(p.first for p in parts.values())
    last = max(p.last for p in parts.values())
    full = pd.period_range(first, last, freq="M")
    counts = pd.DataFrame({n: parts[n].counts.reindex(full) for n in names})
    status_df = pd.DataFrame({n: parts[n].status.reindex(full).fillna(MISSING) for n in names})
    any_missing = (status_df == MISSING).any(axis=1).to_numpy()
    any_suspect = (status_df == SUSPECT).any(axis=1).to_numpy()
    any_prov = (status_df == PROVISIONAL).any(axis=1).to_numpy()
    total = counts.sum(axis=1, min_count=len(names)).to_numpy(dtype="float64", copy=True)
    total[any_missing] = np.nan
    out_status = np.full(len(full), REPORTED, dtype=object)
    out_status[any_prov] = PROVISIONAL
    out_status[any_suspect] = SUSPECT
    out_status[any_missing] = MISSING
    reason = np.full(len(full), None, dtype=object)
    reason[any_missing] = "component_missing"
    return MonthlySeries(
        counts=pd.Series(total, index=full, name="count"),
        status=pd.Series(out_status, index=full, dtype=object, name="status"),
        reason=pd.Series(reason, index=full, dtype=object, name="reason"),
    )
