"""Monthly counts, in long (``month,offense,count``) or wide (``month,homicide,robbery,…``) layout.

A month absent from the file stays missing; an empty cell is not reported (missing); an explicit
0 is a reported zero.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pandas as pd

from metrics.intake.base import IGNORE, Parser, whole_numbers
from metrics.intake.problems import FileRejected, Problems
from metrics.intake.vocab import month_label, offense_code, parse_month
from metrics.offenses import OFFENSE_NAMES

EARLIEST = dt.date(1960, 1, 1)
MONTH_HELP = "write months as 2024-03, 2024-03-01, Mar 2024 or 3/2024."


def parse_months(
    values: pd.Series, *, rows: pd.Series, column: str, problems: Problems, today: dt.date
) -> pd.Series:
    """Month cells → first-of-month dates (object series, None where bad); problems listed."""
    text = values.astype(str).str.strip()
    lookup = {u: parse_month(u) for u in text.unique()}
    months = text.map(lookup)
    this_month = today.replace(day=1)
    for raw, month in lookup.items():
        mask = text == raw
        if month is None:
            why = "is empty." if raw == "" else f"is not a month: {MONTH_HELP}"
            problems.add_many(rows[mask], column, values[mask], why)
        elif month > this_month:
            problems.add_many(rows[mask], column, values[mask], "is in the future.")
            months[mask] = None
        elif month < EARLIEST:
            problems.add_many(rows[mask], column, values[mask], "is before 1960.")
            months[mask] = None
    return months


class MonthlyCountsParser(Parser):
    """Reads monthly counts; the clean rows are ``_row, month, offense, count``."""

    kind = "monthly_counts"
    FIELDS: ClassVar[dict[str, list[str]]] = {
        "month": ["period", "date", "report month", "year month", "month year", "reporting month"],
        "offense": [
            "offense type",
            "crime",
            "crime type",
            "category",
            "offense code",
            "ucr offense",
        ],
        "count": ["value", "total", "n", "number", "counts", "offenses", "incidents"],
    }

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.seen: dict[tuple[dt.date, str], int] = {}
        self.months: set[dt.date] = set()
        self.offenses: set[str] = set()
        self.empty_cells = 0
        self.wide: dict[str, str] = {}  # header → offense code

    def targets(self) -> list[tuple[str, str]]:
        fields = [("month", "month"), ("offense", "offense (long layout)"), ("count", "count")]
        codes = [(c, f"{n} (column of counts)") for c, n in OFFENSE_NAMES.items()]
        return fields + codes + [(IGNORE, "ignore this column")]

    def auto_target(self, header: str) -> str:
        return super().auto_target(header) or offense_code(header) or ""

    def resolve(self, mapping: dict[str, str]) -> None:
        self.wide = {h: t for h, t in mapping.items() if t in OFFENSE_NAMES}
        if "month" not in self.col:
            self.require(mapping, "month")
        if "offense" in self.col and "count" in self.col:
            self.scan.layout = "long"
            ignored = [h for h, t in mapping.items() if t in ("", IGNORE) or t in OFFENSE_NAMES]
        elif self.wide:
            self.scan.layout = "wide"
            ignored = [h for h, t in mapping.items() if t == IGNORE]
            for header, target in mapping.items():
                if not target:
                    self.scan.problems.add(
                        1,
                        header,
                        header,
                        "is not a known offense: map this column to an offense, or to “ignore”.",
                    )
        else:
            raise FileRejected(
                "Cannot tell the layout: use either “month, offense, count” columns (long "
                "layout) or a “month” column and one column per offense (wide layout). Columns "
                f"found: {', '.join(mapping)}.",
                row=1,
            )
        if ignored:
            self.scan.notes.append(f"Ignored columns: {', '.join(ignored)}.")

    def clean(self, chunk: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        rows = chunk["_row"]
        month_col = self.col["month"]
        months = parse_months(
            chunk[month_col], rows=rows, column=month_col, problems=problems, today=self.today
        )
        if self.scan.layout == "long":
            off_col, cnt_col = self.col["offense"], self.col["count"]
            raw = chunk[off_col].astype(str).str.strip()
            lookup = {u: offense_code(u) for u in raw.unique()}
            codes = raw.map(lookup)
            for u, code in lookup.items():
                if code is None:
                    mask = raw == u
                    why = (
                        "is empty."
                        if u == ""
                        else "is not a known offense; use one of: "
                        + ", ".join(OFFENSE_NAMES.values())
                        + "."
                    )
                    problems.add_many(rows[mask], off_col, chunk[off_col][mask], why)
            parts = [(months, codes, chunk[cnt_col], cnt_col, off_col)]
        else:
            parts = [
                (months, pd.Series(code, index=chunk.index), chunk[h], h, h)
                for h, code in self.wide.items()
            ]
        frames = []
        for m, codes, counts_raw, cnt_col, key_col in parts:
            counts = whole_numbers(
                counts_raw, rows=rows, column=cnt_col, problems=problems, empty_ok=True
            )
            empty = counts_raw.astype(str).str.strip() == ""
            self.empty_cells += int(empty.sum())
            frame = pd.DataFrame(
                {"_row": rows, "month": m, "offense": codes, "count": counts, "_col": key_col}
            )
            frames.append(frame[~empty])
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        # Duplicate (month, offense) rows, in this chunk or an earlier one.
        valid = out[out["month"].notna() & out["offense"].notna()]
        for row, month, offense, col in zip(
            valid["_row"], valid["month"], valid["offense"], valid["_col"], strict=True
        ):
            first = self.seen.setdefault((month, offense), row)
            if first != row:
                problems.add(
                    row,
                    col,
                    f"{month_label(month)}, {OFFENSE_NAMES[offense]}",
                    f"repeats the month and offense of row {first}.",
                )
        out = out.dropna(subset=["month", "offense", "count"])
        out["count"] = out["count"].astype("int64")
        self.months.update(out["month"])
        self.offenses.update(out["offense"])
        return out[["_row", "month", "offense", "count"]]

    def stats(self) -> dict[str, Any]:
        months = sorted(self.months)
        return {
            "months": [m.isoformat() for m in months],
            "first_month": months[0].isoformat() if months else None,
            "last_month": months[-1].isoformat() if months else None,
            "offenses": [c for c in OFFENSE_NAMES if c in self.offenses],
            "empty_cells": self.empty_cells,
        }
