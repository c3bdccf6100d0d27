"""Open an uploaded file safely and yield its cells as text, in chunks.

Everything here is about the *file*: size, type (a program renamed ``.csv`` is refused),
encoding (UTF-8 with or without a byte-order mark; anything else is explained), delimiter
(comma, semicolon, tab or pipe, detected), line endings, sheets of a workbook. Cells come back as
strings and are never evaluated, so a formula such as ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.intake.problems import FileRejected

# Rows per chunk, from bench/ (500,000-row import): 100,000 → peak RSS 311 MB, 50,000 → 277 MB
# at the same speed, 25,000 → 265 MB but 20% slower (more round trips and per-chunk overhead).
CHUNK_ROWS = 50_000
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Bounds on what a file may ask the reader to hold (docs/reliability.md §4, issue 21). A real
# outcome file has a dozen columns and rows of a few hundred bytes; these are far above that and
# far below what exhausts a worker. A workbook is checked before any spreadsheet reader sees it:
# its declared and actual extent, and how much XML it unpacks to.
MAX_COLUMNS = 500
MAX_LINE_BYTES = 256 * 1024
MAX_CELLS = 4_000_000
XLSX_MAX_UNPACKED = 256 * 1024 * 1024
XLSX_MAX_MEMBERS = 2_000


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
        if name.lower().endswith((".csv", ".txt", ".tsv")):
            raise FileRejected(
                "The file is named like a CSV but is a ZIP archive (or an Excel workbook): "
                "upload the CSV itself, or the workbook under its .xlsx name."
            )
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
    open_line = 0  # bytes of the current line seen in earlier blocks
    with path.open("rb") as fh:
        first = True
        while block := fh.read(1024 * 1024):
            nul = block.find(b"\x00")
            if nul >= 0:
                row = line + block[:nul].count(b"\n")
                raise FileRejected(
                    f"The file holds a NUL byte (0x00) on row {row}: it is not plain text. "
                    "Export it again as “CSV UTF-8”.",
                    row=row,
                )
            open_line = _check_line_lengths(block, open_line, line)
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


def _check_line_lengths(block: bytes, open_line: int, line: int) -> int:
    """Refuse a line longer than ``MAX_LINE_BYTES``.

    ``open_line`` is the length of the line left unfinished by the earlier blocks, ``line`` its
    number; returns the length of the line this block leaves unfinished.
    """
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 0x0A)
    lengths = np.diff(ends, prepend=-1) - 1
    if len(lengths):
        lengths[0] += open_line
    tail = len(block) - (int(ends[-1]) + 1 if len(ends) else 0) + (0 if len(ends) else open_line)
    lengths = np.append(lengths, tail)
    if lengths.max() > MAX_LINE_BYTES:
        row = line + int(np.argmax(lengths > MAX_LINE_BYTES))
        raise FileRejected(
            f"Row {row} is longer than {format_size(MAX_LINE_BYTES)}: a row of outcome data is "
            "a few hundred characters. Check that the file is a CSV with one record per line.",
            row=row,
        )
    return int(tail)


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


def _check_header_width(path: Path, delimiter: str) -> None:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh, delimiter=delimiter), [])
    _check_columns(len(header))


def _check_columns(count: int) -> None:
    if count > MAX_COLUMNS:
        raise FileRejected(
            f"The header row has {count:,} columns; at most {MAX_COLUMNS:,} are read. Remove "
            "the columns that are not outcome data, or check the delimiter.",
            row=1,
        )


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
    _check_header_width(path, info.delimiter)
    return info


def _inspect_xlsx(path: Path, sheet: str) -> FileInfo:
    from python_calamine import CalamineWorkbook

    check_workbook(path)
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


_CELL_REF = re.compile(rb'<c\b[^>]*?\br="\$?([A-Za-z]+)\$?([0-9]+)"')
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="(?:[^":]*:)?\$?([A-Za-z]+)\$?([0-9]+)"')
_HUGE = 10**9  # any extent past this is refused; longer numbers are not converted


def _column_number(letters: bytes) -> int:
    if len(letters) > 6:
        return _HUGE
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _row_number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 9 else _HUGE


def check_workbook(path: Path) -> None:
    """Refuse a workbook that would make a spreadsheet reader exhaust memory or time.

    Read as a ZIP archive before any spreadsheet reader opens it: at most ``XLSX_MAX_MEMBERS``
    parts, no part name that climbs out of the archive, at most ``XLSX_MAX_UNPACKED`` bytes of
    unpacked content (a "ZIP bomb" of a few MB that unpacks to GBs is refused here); then every
    worksheet is streamed once, in bounded blocks, for its declared extent (``<dimension>``) and
    the furthest cell it really holds — readers allocate rows × columns of that extent.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRejected(
            "The Excel workbook cannot be opened: it is a damaged ZIP archive."
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise FileRejected(
                f"The workbook holds {len(members):,} parts; an Excel workbook of outcome data "
                "holds a few dozen."
            )
        for member in members:
            parts = member.filename.replace("\\", "/").split("/")
            if member.filename.startswith("/") or ".." in parts:
                raise FileRejected(
                    "The workbook holds a part whose name leaves the archive "
                    f"(“{member.filename[:80]}”): it was not made by a spreadsheet program."
                )
        unpacked = sum(m.file_size for m in members)
        if unpacked > XLSX_MAX_UNPACKED:
            raise FileRejected(
                f"The workbook unpacks to {format_size(unpacked)} of content; at most "
                f"{format_size(XLSX_MAX_UNPACKED)} is read. Save the sheet as “CSV UTF-8” and "
                "upload that."
            )
        if not any(m.filename == "xl/workbook.xml" for m in members):
            raise FileRejected("The file is a ZIP archive, not an Excel workbook.")
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                _check_sheet_extent(archive, member)


def _check_sheet_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    rows = cols = seen_rows = 0
    carry = b""
    try:
        with archive.open(member) as fh:
            while block := fh.read(1024 * 1024):
                data = carry + block
                for m in _DIMENSION.finditer(data):
                    cols = max(cols, _column_number(m.group(1)))
                    rows = max(rows, _row_number(m.group(2)))
                seen_rows += block.count(b"<row")  # rows without an ``r`` still count
                rows = max(rows, seen_rows)
                for m in _CELL_REF.finditer(data):
                    cols = max(cols, _column_number(m.group(1)))
                    rows = max(rows, _row_number(m.group(2)))
                carry = data[-256:]  # a tag cut between two blocks is seen whole next time
                _check_extent(rows, cols)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise FileRejected(
            "The Excel workbook cannot be opened: a part of it is damaged."
        ) from None


def _check_extent(rows: int, cols: int) -> None:
    if cols > MAX_COLUMNS:
        raise FileRejected(
            f"A sheet of the workbook reaches column {cols:,}; at most {MAX_COLUMNS:,} columns "
            "are read. Delete the empty columns at the right (or copy the data to a new sheet)."
        )
    if rows * cols > MAX_CELLS:
        raise FileRejected(
            f"A sheet of the workbook spans {rows:,} rows × {cols:,} columns; at most "
            f"{MAX_CELLS:,} cells are read from a workbook. Delete the empty rows below the "
            "data, or save the sheet as “CSV UTF-8” and upload that."
        )


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
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        want, line, saw = m.groups()
        return (
            f"Row {line} has {saw} cells but the header has {want}: check for an unquoted "
            "delimiter in a cell, or a wrong delimiter."
        )
    return f"The file cannot be read as CSV: {text.strip()}"
