"""Spreadsheet downloads without domain knowledge: a CSV streamed line by line and an XLSX
written by openpyxl's write-only workbook to a temporary file and streamed from there.

Callers give the header row and an iterable of rows (lists of values): neither response holds
the whole file in memory when the rows come lazily (e.g. ``QuerySet.iterator``). Dates,
numbers and text keep their types in XLSX; text a spreadsheet would run as a formula is
neutralised in CSV and always stored as text in XLSX; characters XLSX cannot hold are dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A spreadsheet treats a cell starting with one of these as a formula (or a DDE payload).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def neutralise(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe (OWASP advice)."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_value(value: Any) -> Any:
    """A value as a CSV cell: nothing for None, ISO dates, neutralised text, numbers as is."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


class _Echo:
    """A write-only file for csv.writer: hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Row, rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text, one line at a time: a BOM (so Excel reads UTF-8), the header, the rows.
    Lazy: nothing of ``rows`` is read before the header has been produced."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([csv_value(c) for c in columns])
    for row in rows:
        yield writer.writerow([csv_value(v) for v in row])


def csv_response(columns: Row, rows: Iterable[Row], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows`` under ``columns``."""
    response = StreamingHttpResponse(
        csv_lines(columns, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A write-only cell: text always text (never a formula) without the characters XLSX
    cannot hold, decimals as floats, dates formatted as dates."""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        return cell
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_xlsx(columns: Row, rows: Iterable[Row], target: str | IO[bytes], *, sheet: str) -> None:
    """Write the header and rows to ``target`` (a path or binary file) as one sheet of a
    write-only workbook, the header row frozen."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    ws.append([xlsx_cell(ws, c) for c in columns])
    for row in rows:
        ws.append([xlsx_cell(ws, v) for v in row])
    wb.save(target)


def xlsx_response(columns: Row, rows: Iterable[Row], *, filename: str, sheet: str) -> FileResponse:
    """An XLSX download of ``rows`` under ``columns``, streamed from a temporary file (which
    disappears when the response closes it after streaming)."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    write_xlsx(columns, rows, tmp, sheet=sheet)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
