"""Problems found in a file, numbered the way a spreadsheet shows rows (header = row 1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Enough to fix a file by; a file with more problems than this is wrong in a systematic way.
MAX_LISTED = 500


@dataclass(frozen=True)
class Problem:
    """One problem: spreadsheet row (0 = the whole file), column header, value, reason."""

    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        col = f", column “{self.column}”" if self.column else ""
        val = f" (value “{self.value}”)" if self.value != "" else ""
        return f"{where}{col}{val}: {self.message}"


class FileRejected(Exception):
    """The file as a whole cannot be read (wrong format, encoding, layout…)."""

    def __init__(self, message: str, *, column: str = "", row: int = 0, **extra: Any) -> None:
        super().__init__(message)
        self.problem = Problem(row=row, column=column, value="", message=message)
        self.extra = extra


@dataclass
class Problems:
    """Collects problems; keeps the first ``MAX_LISTED`` and counts the rest."""

    items: list[Problem] = field(default_factory=list)
    total: int = 0
    rows: set[int] = field(default_factory=set)

    def add(self, row: int, column: str, value: Any, message: str) -> None:
        self.total += 1
        if row:
            self.rows.add(row)
        if len(self.items) < MAX_LISTED:
            text = "" if value is None else str(value)
            if len(text) > 80:
                text = text[:77] + "…"
            self.items.append(Problem(row=row, column=column, value=text, message=message))

    def add_many(self, rows: Any, column: str, values: Any, message: str) -> None:
        """Add the same reason for several rows (vectorised callers pass arrays)."""
        for r, v in zip(rows, values, strict=True):
            self.add(int(r), column, v, message)

    def __bool__(self) -> bool:
        return self.total > 0

    def as_list(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in sorted(self.items, key=lambda p: (p.row, p.column))]
