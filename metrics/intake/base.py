"""What every kind of outcome file shares: column mapping, the scan driver, the preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from metrics.intake import reader
from metrics.intake.problems import FileRejected, Problems
from metrics.intake.vocab import normalise

IGNORE = "ignore"


@dataclass
class Scan:
    """The outcome of reading a whole file: what it holds and every problem in it."""

    info: reader.FileInfo | None = None
    layout: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    rows_clean: int = 0
    problems: Problems = field(default_factory=Problems)
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Parser:
    """Turns chunks of text cells into clean typed rows, listing every problem by row and column.

    Subclasses declare the fields they accept (``FIELDS``: field → aliases) and implement
    :meth:`resolve` (decide the layout from the mapped headers) and :meth:`clean` (one chunk).
    """

    FIELDS: ClassVar[dict[str, list[str]]] = {}
    kind: ClassVar[str] = ""

    def __init__(self, *, today: dt.date, preset: str = "", **options: Any) -> None:
        self.today = today
        self.preset = preset
        self.options = options
        self.col: dict[str, str] = {}  # field → header
        self.scan = Scan()

    # --- mapping -----------------------------------------------------------------------
    def targets(self) -> list[tuple[str, str]]:
        """(value, label) pairs a header can be mapped to, for the mapping form."""
        return [(f, f.replace("_", " ")) for f in self.FIELDS] + [(IGNORE, "ignore this column")]

    def auto_target(self, header: str) -> str:
        key = normalise(header)
        for name, aliases in self.FIELDS.items():
            if key == normalise(name) or key in {normalise(a) for a in aliases}:
                return name
        return ""

    def map_headers(self, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
        """header → target, from the given mapping first, then by recognising the header."""
        valid = {t for t, _ in self.targets()}
        given = {k.casefold(): v for k, v in mapping.items() if v in valid}
        result: dict[str, str] = {}
        for h in headers:
            result[h] = given.get(h.casefold()) or self.auto_target(h)
        return result

    def resolve(self, mapping: dict[str, str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def clean(self, chunk: pd.DataFrame, problems: Problems) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def finish(self, problems: Problems) -> None:
        """Checks that need the whole file (after the last chunk)."""

    def stats(self) -> dict[str, Any]:
        return {}

    # --- helpers for subclasses -----------------------------------------------------------
    def require(self, mapping: dict[str, str], *fields: str) -> None:
        missing = [f for f in fields if f not in self.col]
        if missing:
            names = ", ".join(f"“{f.replace('_', ' ')}”" for f in missing)
            raise FileRejected(
                f"No column holds {names}. The columns found are: "
                f"{', '.join(mapping) or 'none'}. Map them below, or rename the headers.",
                row=1,
            )


def scan(
    path: Path,
    parser: Parser,
    *,
    name: str,
    sheet: str = "",
    mapping: dict[str, str] | None = None,
    on_chunk: Callable[[pd.DataFrame, Scan], None] | None = None,
    chunk_rows: int = reader.CHUNK_ROWS,
) -> Scan:
    """Read the whole file through ``parser``; call ``on_chunk`` with each clean chunk.

    File-level refusals raise :class:`FileRejected`; row problems are collected in the result.
    """
    result = parser.scan
    result.info = reader.inspect(path, name=name, sheet=sheet)
    first = True
    for chunk in reader.read_chunks(path, result.info, chunk_rows=chunk_rows):
        if first:
            result.headers = [c for c in chunk.columns if c != "_row"]
            result.mapping = parser.map_headers(result.headers, mapping or {})
            parser.col = {}
            for header, target in result.mapping.items():
                if target and target != IGNORE and target not in parser.col:
                    parser.col[target] = header
            parser.resolve(result.mapping)
            first = False
        result.rows_read += len(chunk)
        clean = parser.clean(chunk, result.problems)
        result.rows_clean += len(clean)
        if on_chunk is not None and not result.problems:
            on_chunk(clean, result)
    parser.finish(result.problems)
    result.stats = parser.stats()
    return result


def numbers(values: pd.Series, *, thousands: bool = False) -> tuple[pd.Series, pd.Series]:
    """Numbers of text cells (NaN where a cell holds none), and the stripped text of the cells
    that were not read directly (with ``thousands``, commas removed from that text).

    Text cells are first parsed as they are, which reads every plain number; only the rest —
    empty, padded, with a thousands separator, or not a number — is stripped and parsed again.
    The result equals stripping and parsing every cell (stripping or removing commas cannot
    change a cell that parses as it is), at about half the cost for clean columns. Cells that are
    not text (spreadsheet numbers, dates, booleans) all take the second path, through ``str``.
    """
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        num = pd.to_numeric(values, errors="coerce")
        retry = num.isna()
    else:
        num = pd.Series(np.nan, index=values.index)
        retry = pd.Series(True, index=values.index)
    text = values[retry].astype(str).str.strip()
    if thousands:
        text = text.str.replace(",", "", regex=False)
    if len(text):
        num[retry] = pd.to_numeric(text, errors="coerce")
    return num.astype(float), text


def whole_numbers(
    values: pd.Series, *, rows: pd.Series, column: str, problems: Problems, empty_ok: bool
) -> pd.Series:
    """Parse whole, non-negative numbers (``1,234`` and ``12.0`` accepted); list the rest.

    Returns a float series with NaN where the cell was empty or bad.
    """
    num, text = numbers(values, thousands=True)
    empty = pd.Series(False, index=values.index)
    empty[text.index] = text == ""
    bad = num.isna() & ~empty
    if bad.any():
        problems.add_many(rows[bad], column, values[bad], "is not a number.")
    if not empty_ok and empty.any():
        problems.add_many(rows[empty], column, values[empty], "is empty.")
    neg = num < 0
    if neg.any():
        problems.add_many(rows[neg], column, values[neg], "cannot be negative.")
    frac = (num >= 0) & (np.floor(num.fillna(0)) != num.fillna(0))
    if frac.any():
        problems.add_many(rows[frac], column, values[frac], "must be a whole number.")
    big = num > 2_000_000_000
    if big.any():
        problems.add_many(rows[big], column, values[big], "is too large.")
    return num.where(~(bad | neg | frac | big))
