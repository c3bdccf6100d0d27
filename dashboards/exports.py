"""Portfolio exports: the columns and one portfolio row's values. The files are streamed by
:mod:`psp.core.exports`, which neutralises text a spreadsheet would run as a formula."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from dashboards.selectors.portfolio import PortfolioRow
from psp.core import exports

COLUMNS = [
    "Site",
    "State",
    "Cohort",
    "Phase",
    "Engagement",
    "Engagement month",
    "Program manager",
    "Last TA activity",
    "TA activities this quarter",
    "TA hours this quarter",
    "Data through",
    "Violent crime, last 12 months",
    "Violent crime, 12 months before",
    "Change (%)",
    "Poisson z",
    "Trend",
    "Trend statement",
    "12-month window ends",
    "Results computed at",
    "Flags",
]


def portfolio_row_values(r: PortfolioRow) -> list[Any]:
    """One row as export values: numbers stay numbers, a percent only beside its counts."""
    t = r.trend
    show_change = t.pct is not None and not t.small_base
    return [
        r.site.name,
        r.site.state,
        r.site.cohort.name,
        r.site.get_phase_display(),
        r.clock,
        r.month,
        str(r.site.program_manager) if r.site.program_manager else "",
        r.last_ta,
        r.activities_quarter,
        r.hours_quarter,
        r.data_through.strftime("%Y-%m") if r.data_through else "",
        t.current,
        t.base,
        round(t.pct, 1) if show_change and t.pct is not None else None,
        round(t.z, 2) if show_change and t.z is not None else None,
        t.words,
        t.text,
        t.as_of or "",
        timezone.localtime(r.results_at).strftime("%Y-%m-%d %H:%M") if r.results_at else "",
        "; ".join(label for _, label in r.flags),
    ]


def csv_response(rows: list[PortfolioRow], filename: str) -> StreamingHttpResponse:
    return exports.csv_response(COLUMNS, (portfolio_row_values(r) for r in rows), filename=filename)


def xlsx_response(rows: list[PortfolioRow], filename: str) -> FileResponse:
    return exports.xlsx_response(
        COLUMNS, (portfolio_row_values(r) for r in rows), filename=filename, sheet="Portfolio"
    )
