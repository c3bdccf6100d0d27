"""Descriptive result rows for one offense series (docs/metrics.md §2): monthly counts, YTD,
rolling 12 months with rates, rate per 100,000 by year, year over year, CompStat windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from metrics.compute import (
    compstat_windows,
    rolling_12m,
    rolling_12m_series,
    yoy_change,
    ytd_change,
)
from metrics.compute.population import PopulationRow, monthly_exposure, population_of_year
from metrics.compute.series import month_label
from metrics.engine.build.rows import Row, month_date, row_from
from metrics.engine.build.series import OffenseSeries
from metrics.engine.loaders import SiteInfo

PER = 100_000.0
PopulationRows = tuple[PopulationRow, ...]


def _change(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Contract names for a comparison's change fields (docs/metrics.md D2/D7)."""
    g = values.get
    return {
        "abs_change": g(f"{prefix}abs_change"),
        "pct_change": g(f"{prefix}pct_change"),
        "pct_change_reason": g(f"{prefix}pct_change_reason"),
        "pct_change_text": g(f"{prefix}pct_change_text"),
        "poisson_z": g(f"{prefix}poisson_z"),
        "p_exact": g(f"{prefix}p_value"),
        "rr": g(f"{prefix}rate_ratio"),
        "rr_ci_low": g(f"{prefix}rr_ci_lower"),
        "rr_ci_high": g(f"{prefix}rr_ci_upper"),
    }


def _rolling_exposure(rows: PopulationRows, index: pd.PeriodIndex) -> pd.Series | None:
    """Person-years of the 12 months ending at each month of ``index``, each month at its
    year's population (docs/metrics.md §1 Exposure, §7.6)."""
    if not len(index):
        return None
    months = pd.period_range(index[0] - 11, index[-1], freq="M")
    monthly = monthly_exposure(rows, months)
    return None if monthly is None else monthly.rolling(12).sum().reindex(index)


def _years_used(rows: PopulationRows, month: pd.Period) -> list[int]:
    """The population years a 12-month window ending at ``month`` uses."""
    used = {population_of_year(rows, y) for y in {(month - 11).year, month.year}}
    return sorted(r[0] for r in used if r is not None)


def monthly_count_row(s: OffenseSeries, site: SiteInfo) -> Row:
    """D1: the whole calendar-complete series with each month's status."""
    ms = s.ms
    statuses = ms.status.reindex(ms.counts.index).to_numpy(dtype=object)
    series = [
        {
            "month": month_label(m),
            "count": None if np.isnan(c) else int(c),
            "status": str(st),
        }
        for m, c, st in zip(ms.counts.index, ms.counts.to_numpy(), statuses, strict=True)
    ]
    revised = set(s.revised)
    for point in series:
        if point["month"] in revised:
            point["revised"] = True
    return Row(
        metric="monthly_count",
        offense=s.offense,
        params={"source": s.source},
        status="ok",
        value={"series": series, "first": month_label(ms.first), "last": month_label(ms.last)},
        method="calendar-complete monthly reindex; a month with no row is missing",
        data_through=month_date(s.data_through),
    )


def ytd_row(s: OffenseSeries, breaks: list[dt.date]) -> Row:
    """D2: year to date against the same months a year earlier."""
    res = ytd_change(s.ms, offense=s.offense, breaks=breaks)
    value: dict[str, Any] = {"as_of": res.as_of, "ytd": None, "prev_ytd": None}
    if res.ok:
        value.update({"ytd": res.values["ytd"], "prev_ytd": res.values["prev_ytd"]})
    value.update(_change(res.values))
    return row_from(
        res,
        offense=s.offense,
        params={"source": s.source},
        value=value,
        data_through=month_date(s.data_through),
    )


def rolling_row(s: OffenseSeries, site: SiteInfo, breaks: list[dt.date]) -> Row:
    """D3 (+ D4 annualised): R12 at every month, its rate, and the latest change."""
    ms = s.ms
    r12 = rolling_12m_series(ms)
    rows = site.populations
    exposure = _rolling_exposure(rows, pd.PeriodIndex(r12.index, freq="M"))
    series = [
        {
            "month": month_label(m),
            "r12": None if np.isnan(v) else int(v),
            "rate_per_100k": None if (np.isnan(v) or exposure is None) else PER * float(v) / e,
            "population_years": _years_used(rows, m),
        }
        for m, v, e in zip(
            r12.index,
            r12.to_numpy(),
            exposure.to_numpy() if exposure is not None else np.full(len(r12), np.nan),
            strict=True,
        )
    ]
    latest = ms.latest_reported()
    value: dict[str, Any] = {"series": series}
    flags: list[str] = []
    used = population_of_year(rows, (latest or ms.last).year)
    if used is not None:
        value.update(population=used[1], population_year=used[0], population_source=used[2])
        if len(rows) == 1:
            flags.append("population_single_year")
    if latest is None:
        return Row(
            metric="rolling_12m",
            offense=s.offense,
            params={"source": s.source},
            status="null",
            reason="no_reported_months",
            value=value,
            data_through=month_date(s.data_through),
        )
    res = rolling_12m(ms, month=latest, offense=s.offense, breaks=breaks)
    value.update({"as_of": month_label(latest), "r12": res.values.get("r12")})
    value["prev_r12"] = res.values.get("prev_r12")
    value.update(_change(res.values, "change_"))
    value["change_reason"] = res.values.get("change_reason")
    return row_from(
        res,
        offense=s.offense,
        params={"source": s.source},
        value=value,
        data_through=month_date(s.data_through),
        extra_flags=flags,
    )


def rate_row(s: OffenseSeries, site: SiteInfo) -> Row:
    """D4: rate per 100,000 for every complete calendar year (population with year and source)."""
    rows = site.populations
    if not rows:
        return Row(
            metric="rate_per_100k",
            offense=s.offense,
            params={"source": s.source},
            status="null",
            reason="population_missing",
            flags=["population_missing"],
            value={"series": []},
            data_through=month_date(s.data_through),
        )
    # D4 for calendar years: one vectorised pass instead of a window check per year.
    frame = pd.DataFrame(
        {"count": s.ms.counts.to_numpy(), "status": s.ms.status.to_numpy()},
        index=pd.PeriodIndex(s.ms.counts.index, freq="M"),
    )
    frame["year"] = frame.index.year
    series: list[dict[str, Any]] = []
    for year, grp in frame.groupby("year"):
        statuses = set(grp["status"])
        reason = None
        if len(grp) < 12 or "missing" in statuses:
            reason = "missing_months"
        elif "provisional" in statuses:
            reason = "provisional_months"
        elif "suspect" in statuses:
            reason = "suspect_months"
        count = None if reason else int(grp["count"].sum())
        used = population_of_year(rows, int(year))
        assert used is not None  # rows is not empty
        series.append(
            {
                "year": int(year),
                "count": count,
                "rate_per_100k": None if count is None else PER * count / used[1],
                "status": "null" if reason else "ok",
                "reason": reason,
                "population": used[1],
                "population_year": used[0],
            }
        )
    latest = population_of_year(rows, int(series[-1]["year"]) if series else rows[-1][0])
    assert latest is not None
    return Row(
        metric="rate_per_100k",
        offense=s.offense,
        params={"source": s.source, "period": "calendar_year"},
        status="ok",
        value={
            "series": series,
            "population": latest[1],
            "population_year": latest[0],
            "population_source": latest[2],
        },
        flags=["population_single_year"] if len(rows) == 1 else [],
        method="1e5 × count / the population of the year (between entries the nearest earlier "
        "year's, before the first entry the first's; docs/metrics.md §7.6)",
        data_through=month_date(s.data_through),
    )


def yoy_row(s: OffenseSeries, breaks: list[dt.date]) -> Row:
    """D5: the latest reported month against the same month a year earlier."""
    latest = s.ms.latest_reported()
    params = {"source": s.source, "window": "month"}
    if latest is None:
        return Row(
            metric="yoy_change",
            offense=s.offense,
            params=params,
            status="null",
            reason="no_reported_months",
            value={},
            data_through=month_date(s.data_through),
        )
    res = yoy_change(s.ms, start=latest, offense=s.offense, breaks=breaks)
    value: dict[str, Any] = {
        "month": month_label(latest),
        "current": res.values.get("current"),
        "base": res.values.get("base"),
    }
    value.update(_change(res.values))
    return row_from(
        res, offense=s.offense, params=params, value=value, data_through=month_date(latest)
    )


def compstat_row(
    s: OffenseSeries, occurred: pd.Series, coverage_start: dt.date, coverage_end: dt.date
) -> Row:
    """D6: week-to-date, 28-day and YTD windows as of the last covered day (incident data)."""
    results = compstat_windows(
        occurred,
        as_of=coverage_end,
        coverage_start=coverage_start,
        coverage_end=coverage_end,
        offense=s.offense,
    )
    value: dict[str, Any] = {"as_of": coverage_end.isoformat()}
    flags: list[str] = []
    for name, res in results.items():
        window = dict(res.window or {})
        part: dict[str, Any] = {**window, "status": res.status, "reason": res.reason}
        if res.ok:
            part.update(
                current=res.values["current"],
                base=res.values["base"],
                days=res.values["days"],
                base_days=res.values["base_days"],
                **_change(res.values),
            )
            flags += res.flags
        value[name.removeprefix("compstat_")] = part
    return Row(
        metric="compstat_windows",
        offense=s.offense,
        params={"source": "incidents"},
        status="ok",
        value=value,
        flags=flags,
        method="incident counts by occurrence date; exact Poisson rate ratio per day",
        data_through=month_date(pd.Period(coverage_end, freq="M")),
    )
