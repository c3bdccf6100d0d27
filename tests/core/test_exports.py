"""The shared spreadsheet downloads: lazy CSV with neutralised text, typed XLSX with text that
never becomes a formula and without the characters XLSX cannot hold."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from psp.core import exports

HOSTILE = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def read_csv(response: StreamingHttpResponse) -> list[list[str]]:
    raw = b"".join(response.streaming_content)  # type: ignore[arg-type]
    text = raw.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def read_xlsx(response: FileResponse, sheet: str) -> Worksheet:
    raw = b"".join(response.streaming_content)  # type: ignore[arg-type]
    ws = load_workbook(io.BytesIO(raw))[sheet]
    assert isinstance(ws, Worksheet)
    return ws


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_prefixes_what_a_spreadsheet_would_run(text: str) -> None:
    assert exports.neutralise(text) == "'" + text


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert exports.neutralise("Site visit - day 2") == "Site visit - day 2"
    assert exports.neutralise("") == ""
    assert exports.neutralise("-5") == "'-5"  # a leading minus is a formula to a spreadsheet


def test_csv_cells_are_iso_dates_blank_nones_numbers_and_neutralised_text() -> None:
    response = exports.csv_response(
        ["Name", "When", "Count", "Note"],
        [["=1+1", dt.date(2026, 3, 4), 7, None], ["Plain", None, Decimal("2.5"), "@x"]],
        filename="x.csv",
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert read_csv(response) == [
        ["Name", "When", "Count", "Note"],
        ["'=1+1", "2026-03-04", "7", ""],
        ["Plain", "", "2.5", "'@x"],
    ]


def test_csv_lines_give_the_header_before_reading_any_row() -> None:
    read: list[int] = []

    def rows() -> Iterator[list[Any]]:
        for i in range(3):
            read.append(i)
            yield [i]

    lines = exports.csv_lines(["n"], rows())
    assert next(lines) == "\ufeff"
    assert next(lines) == "n\r\n"
    assert read == []
    assert list(lines) == ["0\r\n", "1\r\n", "2\r\n"]
    assert read == [0, 1, 2]


def test_xlsx_keeps_types_keeps_text_as_text_and_drops_illegal_characters() -> None:
    response = exports.xlsx_response(
        ["Name", "When", "Hours"],
        [[h, dt.date(2026, 3, 4), Decimal("1.5")] for h in HOSTILE] + [["bell\x07 ok", None, 2]],
        filename="x.xlsx",
        sheet="Things",
    )
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert 'filename="x.xlsx"' in response["Content-Disposition"]
    ws = read_xlsx(response, "Things")
    assert ws.freeze_panes == "A2"
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("Name", "When", "Hours")
    for text, row in zip(HOSTILE, values[1:], strict=False):
        assert row[0] == text.replace("\r", "\n")  # XML reads a carriage return as a newline
        assert row[1] == dt.datetime(2026, 3, 4)
        assert row[2] == 1.5
    for row in ws.iter_rows(min_row=2):
        assert row[0].data_type == "s"  # never a formula
    assert values[-1] == ("bell ok", None, 2)
