"""Open an uploaded file safely and yield its cells as text, in chunks.

Everything here is about the *file*: size, type (a program renamed ``.csv`` is refused),
encoding (UTF-8 with or without a byte-order mark; anything else is explained), delimiter
(comma, semicolon, tab or pipe, detected), line endings, sheets of a workbook. Cells come back as
strings and are never evaluated, so a formula such as ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metrics.intake.problems import FileRejected

# Rows per chunk, from bench/ (500,000-row import): 100,000 → peak RSS 311 MB, 50,000 → 277 MB
# at the same speed, 25,000 → 265 MB but 20% slower (more round trips and per-chunk overhead).
CHUNK_ROWS = 50_000
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class FileInfo:
    """What the file turned out to be."""

    format: str  # "csv" or "xlsx"
    delimiter: str = ","
    has_bom: bool = False
    line_endings: str = "LF"
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""

    @property
    def description(self) -> str:
        if self.format == "xlsx":
            return f"Excel workbook, sheet “{self.sheet}”"
        parts = [f"CSV, {_DELIMITERS[self.delimiter]}-separated", "UTF-8"]
        if self.has_bom:
            parts.append("with byte-order mark")
        parts.append(f"{self.line_endings} line endings")
        return ", ".join(parts)


def format_size(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"


def check_size(size: int, limit: int) -> None:
    """Refuse an empty or oversized file before anything reads it."""
    if size == 0:
        raise FileRejected("The file is empty.")
    if size > limit:
        raise FileRejected(
            f"The file is {format_size(size)}; the limit is {format_size(limit)}. "
            "Split it by year and upload the parts."
        )


def detect_type(head: bytes, name: str) -> str:
    """``csv`` or ``xlsx`` from the file's first bytes (its name is only a hint)."""
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise FileRejected(
            "This is a program, not a spreadsheet: upload a CSV or an Excel .xlsx file."
        )
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            "This is an old Excel .xls workbook: save it as .xlsx or as “CSV UTF-8” and upload "
            "that."
        )
    if head.startswith(b"%PDF"):
        raise FileRejected("This is a PDF: upload a CSV or an Excel .xlsx file.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            "The file is saved as UTF-16 (“Unicode text”): save it as “CSV UTF-8” and upload "
            "it again."
        )
    if b"\x00" in head:
        raise FileRejected("This is not a text file: upload a CSV or an Excel .xlsx file.")
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejected("The file is named .xlsx but is not an Excel workbook.")
    return "csv"


def _check_utf8(path: Path) -> tuple[bool, str]:
    """Decode the whole file as UTF-8 in blocks; explain the first bad byte by row."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    crlf = False
    with path.open("rb") as fh:
        first = True
        while block := fh.read(1024 * 1024):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line += block[: exc.start].count(b"\n")
                bad = block[exc.start : exc.start + 1].hex().upper()
                guess = (
                    " It looks like Windows-1252 or Latin-1 (for example an accented letter)."
                    if 0x80 <= block[exc.start] <= 0xFF
                    else ""
                )
                raise FileRejected(
                    f"The file is not UTF-8 text: byte 0x{bad} on row {line} cannot be read."
                    f"{guess} In Excel use “Save As → CSV UTF-8”, then upload it again.",
                    row=line,
                ) from None
            if first:
                crlf = b"\r\n" in block[:_SNIFF_BYTES]
                first = False
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRejected(
                f"The file is not UTF-8 text: it ends in the middle of a character (row {line})."
            ) from None
    with path.open("rb") as fh:
        has_bom = fh.read(3) == codecs.BOM_UTF8
    return has_bom, "CRLF (Windows)" if crlf else "LF"


def _detect_delimiter(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(_SNIFF_BYTES)
    header = sample.splitlines()[0] if sample.strip() else ""
    if not header.strip():
        raise FileRejected("The first row is blank: it must hold the column names.", row=1)
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        # One column, or a sample the sniffer cannot decide on: count in the header row.
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def inspect(path: Path, *, name: str, sheet: str = "") -> FileInfo:
    """Work out the file's type, encoding, delimiter and sheet, or explain why it cannot."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    kind = detect_type(head, name)
    if kind == "xlsx":
        return _inspect_xlsx(path, sheet)
    has_bom, endings = _check_utf8(path)
    info = FileInfo(format="csv", has_bom=has_bom, line_endings=endings)
    info.delimiter = _detect_delimiter(path)
    return info


def _inspect_xlsx(path: Path, sheet: str) -> FileInfo:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise FileRejected(f"The Excel workbook cannot be opened ({exc}).") from None
    info = FileInfo(format="xlsx", sheets=sheets)
    if sheet:
        if sheet not in sheets:
            raise FileRejected(
                f"The workbook has no sheet “{sheet}”; its sheets are: {', '.join(sheets)}.",
                needs_sheet=True,
                sheets=sheets,
            )
        info.sheet = sheet
    elif len(sheets) == 1:
        info.sheet = sheets[0]
    else:
        raise FileRejected(
            f"The workbook has {len(sheets)} sheets ({', '.join(sheets)}): choose which one to "
            "import.",
            needs_sheet=True,
            sheets=sheets,
        )
    return info


def _clean_header(columns: list[object]) -> list[str]:
    header = [str(c).strip() for c in columns]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h == "" or h.startswith("Unnamed: "):
            raise FileRejected(
                f"Column {i + 1} of the header row has no name.", row=1, column=f"column {i + 1}"
            )
        key = h.casefold()
        if key in seen:
            raise FileRejected(
                f"The header names “{h}” twice (columns {seen[key] + 1} and {i + 1}).",
                row=1,
                column=h,
            )
        seen[key] = i
    return header


def read_chunks(
    path: Path, info: FileInfo, *, chunk_rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of text cells with a ``_row`` column (spreadsheet row number).

    Blank rows are dropped but keep their place in the numbering. A file with a header and no
    data rows is refused.
    """
    any_rows = False
    next_row = 2
    for frame in _raw_chunks(path, info, chunk_rows):
        if not any_rows and "_row" in frame.columns:
            raise FileRejected("“_row” cannot be a column name.", row=1, column="_row")
        n = len(frame)
        frame.insert(0, "_row", range(next_row, next_row + n))
        next_row += n
        frame = frame.fillna("")
        cells = frame.columns[1:]
        if len(cells):
            frame = frame[~_blank_rows(frame, cells)]
        if len(frame):
            any_rows = True
            yield frame
    if not any_rows:
        raise FileRejected("The file has a header row but no data rows.", row=2)


def _blank_rows(frame: pd.DataFrame, cells: pd.Index) -> pd.Series:
    """Rows whose every cell is empty or whitespace.

    Column by column, only over the rows not yet known to hold something: the first column
    usually decides almost every row, so this strips about one cell per row, not all of them.
    """
    blank = pd.Series(True, index=frame.index)
    for col in cells:
        undecided = blank.to_numpy().nonzero()[0]
        if not len(undecided):
            break
        values = frame[col].iloc[undecided]
        has_text = (values.str.len() > 0) & (values.str.strip() != "")
        blank.iloc[undecided[has_text.to_numpy()]] = False
    return blank


def _raw_chunks(path: Path, info: FileInfo, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if info.format == "xlsx":
        frame = pd.read_excel(
            path,
            sheet_name=info.sheet,
            engine="calamine",
            dtype=str,
            keep_default_na=False,
            na_filter=False,
        )
        frame.columns = _clean_header(list(frame.columns))
        for start in range(0, max(len(frame), 1), chunk_rows):
            yield frame.iloc[start : start + chunk_rows].reset_index(drop=True)
        return
    try:
        reader = pd.read_csv(
            path,
            sep=info.delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skip_blank_lines=False,
            chunksize=chunk_rows,
            engine="c",
        )
        with reader:
            first = True
            for chunk in reader:
                if first:
                    chunk.columns = _clean_header(list(chunk.columns))
                    header = list(chunk.columns)
                    first = False
                else:
                    chunk.columns = header
                yield chunk
            if first:
                yield pd.DataFrame()
    except pd.errors.EmptyDataError:
        raise FileRejected("The file has no header row.", row=1) from None
    except pd.errors.ParserError as exc:
        raise FileRejected(_parser_message(str(exc))) from None


def _parser_message(text: str) -> str:
    import re

    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        want, line, saw = m.groups()
        return (
            f"Row {line} has {saw} cells but the header has {want}: check for an unquoted "
            "delimiter in a cell, or a wrong delimiter."
        )
    return f"The file cannot be read as CSV: {text.strip()}"
