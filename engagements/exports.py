"""Activity exports in the shape of BJA's TTA reporting: CSV streamed row by row, XLSX written by
openpyxl's write-only workbook to a temporary file and streamed from there.

Neither builds the whole file in memory: rows come from ``QuerySet.iterator(chunk_size=…)``
(prefetches run per chunk). User text is protected against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from engagements.models import Activity

CHUNK_SIZE = 2000

# Column headers follow the fields BJA's TTA reporting asks for.
COLUMNS = [
    "Activity ID",
    "Site",
    "State",
    "TA type",
    "Date",
    "End date",
    "Duration (hours)",
    "Audience",
    "Participants",
    "Location/mode",
    "Core areas",
    "Engagement",
    "Agencies",
    "Summary",
    "Next steps",
    "Milestones",
    "Logged by",
]

# A spreadsheet treats a cell starting with one of these as a formula (or a DDE payload).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe (OWASP advice)."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def activity_row(a: Activity) -> list[Any]:
    """One activity as export values (dates, numbers and text; text not yet neutralised)."""
    return [
        a.pk,
        a.site.name,
        a.site.state,
        a.get_kind_display(),
        a.date,
        a.end_date,
        a.duration_hours,
        a.audience,
        a.participants_count,
        a.get_mode_display(),
        "; ".join(c.name for c in a.core_areas.all()),
        a.engagement.core_area.name if a.engagement else "",
        "; ".join(ag.name for ag in a.agencies.all()),
        a.summary,
        a.next_steps,
        "; ".join(m.title for m in a.milestones.all()),
        str(a.logged_by) if a.logged_by else "",
    ]


def iter_rows(qs: QuerySet[Activity]) -> Iterator[list[Any]]:
    """Rows of ``qs`` fetched in chunks, with its prefetches run per chunk."""
    for activity in qs.iterator(chunk_size=CHUNK_SIZE):
        yield activity_row(activity)


class _Echo:
    """A write-only file for csv.writer: hands each line back instead of storing it."""

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


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM so Excel reads UTF-8
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_csv_value(v) for v in row])


def csv_response(qs: QuerySet[Activity], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(iter_rows(qs)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(ws: Any, value: Any) -> Any:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        # openpyxl makes "=…" a formula; user text is always text.
        cell.data_type = "s"
        return cell
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_xlsx(rows: Iterable[list[Any]], target: Any) -> None:
    """Write the rows to ``target`` (a path or binary file) with a write-only workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Activities")
    ws.freeze_panes = "A2"
    ws.append([_xlsx_cell(ws, c) for c in COLUMNS])
    for row in rows:
        ws.append([_xlsx_cell(ws, v) for v in row])
    wb.save(target)


def xlsx_response(qs: QuerySet[Activity], filename: str) -> FileResponse:
    # The temporary file disappears when the response closes it after streaming.
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    write_xlsx(iter_rows(qs), tmp)
    tmp.seek(0)
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
