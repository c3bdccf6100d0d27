"""Community-trust survey results: period, measure, value 0–100, sample size, method."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pandas as pd

from metrics.intake.base import Parser, whole_numbers
from metrics.intake.problems import Problems
from metrics.intake.vocab import parse_period


class TrustSurveyParser(Parser):
    """Reads trust measures; clean rows are ``_row, period_start, period_end, measure, value,
    sample_size, method``."""

    kind = "trust_survey"
    FIELDS: ClassVar[dict[str, list[str]]] = {
        "period": ["month", "quarter", "year", "survey period", "date", "wave"],
        "measure": ["question", "indicator", "item", "measure name"],
        "value": ["score", "percent", "pct", "result", "trust score"],
        "sample_size": ["n", "sample", "respondents", "responses"],
        "method": ["survey method", "mode", "methodology"],
    }

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.seen: dict[tuple[dt.date, dt.date, str], int] = {}
        self.measures: set[str] = set()
        self.periods: set[str] = set()

    def resolve(self, mapping: dict[str, str]) -> None:
        self.require(mapping, "period", "measure", "value")
        self.scan.layout = "trust"

    def clean(self, chunk: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        rows = chunk["_row"]
        pcol, mcol, vcol = self.col["period"], self.col["measure"], self.col["value"]
        raw_p = chunk[pcol].astype(str).str.strip()
        lookup = {u: parse_period(u) for u in raw_p.unique()}
        periods = raw_p.map(lookup)
        bad_p = periods.isna()
        if bad_p.any():
            problems.add_many(
                rows[bad_p],
                pcol,
                raw_p[bad_p],
                "is not a period: write 2024-03, 2024-Q1 or 2024.",
            )
        future = periods.map(lambda p: p is not None and p[0] > self.today)
        if future.any():
            problems.add_many(rows[future], pcol, raw_p[future], "is in the future.")
        measure = chunk[mcol].astype(str).str.strip()
        empty_m = measure == ""
        if empty_m.any():
            problems.add_many(rows[empty_m], mcol, measure[empty_m], "is empty.")
        long_m = measure.str.len() > 100
        if long_m.any():
            problems.add_many(rows[long_m], mcol, measure[long_m], "is longer than 100 characters.")
        raw_v = chunk[vcol].astype(str).str.strip()
        value = pd.to_numeric(raw_v.str.rstrip("%"), errors="coerce")
        bad_v = value.isna() | (value < 0) | (value > 100)
        if bad_v.any():
            problems.add_many(rows[bad_v], vcol, raw_v[bad_v], "must be a number from 0 to 100.")
        if "sample_size" in self.col:
            scol = self.col["sample_size"]
            size = whole_numbers(
                chunk[scol], rows=rows, column=scol, problems=problems, empty_ok=True
            )
            bad_s = size.isna() & (chunk[scol].astype(str).str.strip() != "")
        else:
            size = pd.Series(float("nan"), index=chunk.index)
            bad_s = pd.Series(False, index=chunk.index)
        method = (
            chunk[self.col["method"]].astype(str).str.strip().str.slice(0, 200)
            if "method" in self.col
            else pd.Series("", index=chunk.index)
        )
        ok = ~(bad_p | future | empty_m | long_m | bad_v | bad_s)
        for row, period, m in zip(rows[ok], periods[ok], measure[ok], strict=True):
            first = self.seen.setdefault((period[0], period[1], m.casefold()), row)
            if first != row:
                problems.add(row, mcol, m, f"repeats the period and measure of row {first}.")
        out = pd.DataFrame(
            {
                "_row": rows,
                "period_start": periods.map(lambda p: p[0] if p else None),
                "period_end": periods.map(lambda p: p[1] if p else None),
                "measure": measure,
                "value": value.round(2),
                "sample_size": size,
                "method": method,
            }
        )[ok]
        self.measures.update(out["measure"])
        self.periods.update(raw_p[ok])
        return out

    def stats(self) -> dict[str, Any]:
        return {"measures": sorted(self.measures), "periods": sorted(self.periods)}
