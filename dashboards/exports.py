"""Portfolio exports: CSV streamed line by line, XLSX from a write-only workbook streamed from a
temporary file. Text a spreadsheet would run as a formula is neutralised (docs/reliability.md)."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dashboards.selectors.portfolio import PortfolioRow
from engagements.exports import neutralise

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


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_lines(rows: Iterable[PortfolioRow]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM so Excel reads UTF-8
    yield writer.writerow(COLUMNS)
    for r in rows:
        yield writer.writerow([_csv_value(v) for v in portfolio_row_values(r)])


def csv_response(rows: list[PortfolioRow], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(ws: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # user text is text, never a formula
        return cell
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def xlsx_response(rows: list[PortfolioRow], filename: str) -> FileResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Portfolio")
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, c) for c in COLUMNS])
    for r in rows:
        ws.append([_cell(ws, v) for v in portfolio_row_values(r)])
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    wb.save(tmp)
    tmp.seek(0)
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
