"""Incident records: an id, a date, an offense (or enough to derive one), optional coordinates,
killed and injured. The ``gva`` preset reads Gun Violence Archive exports as they come.

Classification of a GVA row (shared/data/README.md): a fatal shooting has killed > 0; a
nonfatal shooting has killed = 0 and injured > 0; shots fired has neither but a ``Shots Fired``
tag; anything else is another gun incident (no offense code).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from django.conf import settings

from metrics.intake.base import IGNORE, Parser, numbers, whole_numbers
from metrics.intake.problems import FileRejected, Problems
from metrics.intake.vocab import month_label, normalise, offense_code
from metrics.offenses import OFFENSE_NAMES

EARLIEST = pd.Timestamp("1990-01-01")
FATAL, NONFATAL, SHOTS = "fatal_shooting_incidents", "nonfatal_shooting_incidents", "shots_fired"
OTHER_WORDS = {"other", "other gun incident", "other incident", "non shooting incident"}

GVA_COLUMNS = {
    "incident_id": "external_id",
    "date": "date",
    "n_killed": "killed",
    "n_injured": "injured",
    "latitude": "latitude",
    "longitude": "longitude",
    "incident_characteristics": "characteristics",
}
PRESETS = {"gva": "Gun Violence Archive export"}
# A time followed by an offset ("Z", "-08", "+0100", "-08:00").
OFFSET_AT_END = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


def _parse_naive(text: pd.Series) -> pd.Series:
    """ISO 8601 dates and times without offsets; a cell pandas still reads as zoned (a name
    such as "EST") is left unread here, so it is listed as not a date."""
    try:
        return pd.to_datetime(text, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):
        parsed = [pd.to_datetime(v, format="ISO8601", errors="coerce") for v in text]
        naive = [v if not pd.isna(v) and v.tzinfo is None else pd.NaT for v in parsed]
        return pd.Series(pd.to_datetime(naive), index=text.index)


def classify(killed: pd.Series, injured: pd.Series, tags: pd.Series | None) -> pd.Series:
    """Offense code per row from killed/injured counts and GVA tags (None = other incident)."""
    shots = (
        tags.astype(str).str.contains("Shots Fired", case=False, regex=False)
        if tags is not None
        else pd.Series(False, index=killed.index)
    )
    # The ignore: numpy's stubs do not take None as a where() branch (an object array is meant).
    shots_or_none = np.where(shots, SHOTS, None)  # type: ignore[call-overload]
    out = np.where(killed > 0, FATAL, np.where(injured > 0, NONFATAL, shots_or_none))
    return pd.Series(out, index=killed.index, dtype=object)


class IncidentsParser(Parser):
    """Reads incidents; clean rows are ``_row, external_id, occurred_on, occurred_at, offense,
    latitude, longitude, killed, injured, description``."""

    kind = "incidents"
    FIELDS: ClassVar[dict[str, list[str]]] = {
        "external_id": [
            "id",
            "incident id",
            "incident number",
            "case number",
            "report number",
            "incident no",
            "case no",
            "record id",
        ],
        "date": [
            "occurred on",
            "occurred",
            "occurred at",
            "incident date",
            "date time",
            "datetime",
            "occurrence date",
            "date occurred",
        ],
        "offense": ["offense type", "crime", "crime type", "category", "type", "incident type"],
        "killed": ["n killed", "fatalities", "deaths", "victims killed", "number killed"],
        "injured": ["n injured", "wounded", "victims injured", "number injured"],
        "latitude": ["lat", "y"],
        "longitude": ["lon", "lng", "long", "x"],
        "description": ["details", "narrative", "notes", "summary"],
        "characteristics": ["incident characteristics", "tags"],
    }

    def __init__(
        self,
        *,
        coverage: tuple[dt.date, dt.date] | None = None,
        time_zone: str = "",
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.coverage = coverage
        self.time_zone = time_zone or settings.TIME_ZONE  # the site's (docs/metrics.md §7.6)
        # The first row with a time-zone offset and the first with a time but none: a file
        # may hold one kind only.
        self.first_offset_row: int | None = None
        self.first_naive_row: int | None = None
        # The ids seen so far, as sorted runs (one per chunk) of 64-bit hashes with the row of
        # each: 12 bytes a row, searched run by run, never concatenated (no whole-file copies).
        self.seen: list[tuple[np.ndarray, np.ndarray]] = []
        self.by_offense: dict[str, int] = {}
        self.by_month: dict[str, int] = {}
        self.first: pd.Timestamp | None = None
        self.last: pd.Timestamp | None = None
        self.geocoded = 0
        self.rows = 0

    def map_headers(self, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
        if self.preset == "gva":
            low = {h.casefold(): h for h in headers}
            missing = [c for c in GVA_COLUMNS if c not in low]
            if missing:
                raise FileRejected(
                    "This is not a Gun Violence Archive export as the preset expects: no "
                    f"column {', '.join(missing)}.",
                    row=1,
                )
            return {h: GVA_COLUMNS.get(h.casefold(), IGNORE) for h in headers}
        return super().map_headers(headers, mapping)

    def resolve(self, mapping: dict[str, str]) -> None:
        self.require(mapping, "external_id", "date")
        if not {"offense", "killed", "injured", "characteristics"} & set(self.col):
            raise FileRejected(
                "No column gives the offense, and no killed/injured columns to derive it from.",
                row=1,
            )
        if ("latitude" in self.col) != ("longitude" in self.col):
            raise FileRejected("Coordinates need both a latitude and a longitude column.", row=1)
        self.scan.layout = "gva" if self.preset == "gva" else "incidents"
        unmapped = [h for h, t in mapping.items() if not t]
        if unmapped:
            self.scan.notes.append(f"Ignored columns: {', '.join(unmapped)}.")

    def _dates(self, chunk: pd.DataFrame, rows: pd.Series, problems: Problems) -> pd.Series:
        """Each row's local date and time in the site's zone (docs/metrics.md §7.6): a time with
        an offset is converted to the zone, a time without one is already local, and a file
        that has both is refused on the rows that differ from its first timed row."""
        col = self.col["date"]
        raw = chunk[col].astype(str).str.strip()
        # The whole column is parsed at once first; it fails only when offsets differ (a change
        # of daylight saving time) or sit beside local times, and only then is each cell's text
        # tested for an offset.
        try:
            whole = pd.to_datetime(raw, format="ISO8601", errors="coerce")
        except (ValueError, TypeError):
            aware = raw.str.contains(OFFSET_AT_END, regex=True)
            ts = _parse_naive(raw.where(~aware, ""))
        else:
            aware = whole.notna() if whole.dt.tz is not None else pd.Series(False, index=raw.index)
            ts = (
                whole if whole.dt.tz is None else pd.Series(pd.NaT, index=raw.index, dtype="M8[us]")
            )
        retry = ts.isna() & (raw != "") & ~aware
        for fmt in ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%B %d, %Y"):
            if not retry.any():
                break
            ts[retry] = pd.to_datetime(raw[retry], format=fmt, errors="coerce")
            retry = ts.isna() & (raw != "") & ~aware
        if aware.any():
            instants = pd.to_datetime(raw[aware], format="ISO8601", errors="coerce", utc=True)
            ts[aware] = instants.dt.tz_convert(self.time_zone).dt.tz_localize(None)
            retry |= aware & ts.isna()
        # A local time of day (midnight reads as a date alone).
        naive = ~aware & ts.notna() & (ts != ts.dt.normalize())
        mixed = self._mixed_offsets(aware & ~retry, naive, rows)
        bad_rows = pd.Series(False, index=raw.index)
        if mixed is not None and mixed[0].any():
            bad_rows, message = mixed
            problems.add_many(rows[bad_rows], col, raw[bad_rows], message)
        empty = raw == ""
        if empty.any():
            problems.add_many(rows[empty], col, raw[empty], "is empty.")
        if retry.any():
            problems.add_many(
                rows[retry], col, raw[retry], "is not a date: write it as 2024-03-14."
            )
        future = ts.dt.normalize() > pd.Timestamp(self.today)
        if future.any():
            problems.add_many(rows[future], col, raw[future], "is in the future.")
        early = ts < EARLIEST
        if early.any():
            problems.add_many(rows[early], col, raw[early], "is before 1990.")
        bad = future | early | bad_rows
        if self.coverage:
            start = pd.Timestamp(self.coverage[0])
            end = pd.Timestamp(self.coverage[1]) + pd.offsets.MonthEnd(0)
            outside = ~bad & ts.notna() & ((ts.dt.normalize() < start) | (ts.dt.normalize() > end))
            if outside.any():
                span = f"{month_label(self.coverage[0])}–{month_label(self.coverage[1])}"
                problems.add_many(
                    rows[outside],
                    col,
                    raw[outside],
                    f"is outside the coverage declared for this upload ({span}).",
                )
            bad |= outside
        return ts.where(~bad)

    def _mixed_offsets(
        self, aware: pd.Series, naive: pd.Series, rows: pd.Series
    ) -> tuple[pd.Series, str] | None:
        """The rows whose timestamps differ in kind (offset or none) from the file's first
        timed row, and what to tell the user; None while the file holds one kind only."""
        if self.first_offset_row is None and aware.any():
            self.first_offset_row = int(rows[aware].iloc[0])
        if self.first_naive_row is None and naive.any():
            self.first_naive_row = int(rows[naive].iloc[0])
        if self.first_offset_row is None or self.first_naive_row is None:
            return None
        if self.first_offset_row < self.first_naive_row:
            return naive, (
                f"has no time-zone offset, but row {self.first_offset_row} has one: give every "
                "time with its offset (2024-03-14T22:30-07:00), or none."
            )
        return aware, (
            f"has a time-zone offset, but row {self.first_naive_row} has none: give every "
            "time with its offset, or none (times without one are the site's local time)."
        )

    def _ids(self, chunk: pd.DataFrame, rows: pd.Series, problems: Problems) -> pd.Series:
        col = self.col["external_id"]
        ids = chunk[col].astype(str).str.strip()
        empty = ids == ""
        if empty.any():
            problems.add_many(rows[empty], col, ids[empty], "is empty: every incident needs an id.")
        long = ids.str.len() > 100
        if long.any():
            problems.add_many(rows[long], col, ids[long], "is longer than 100 characters.")
        h = pd.util.hash_pandas_object(ids, index=False).to_numpy()
        r = rows.to_numpy()
        # Repeats inside this chunk …
        first_in_chunk = pd.Series(r).groupby(h).transform("first").to_numpy()
        # … and of an earlier chunk.
        earlier = np.zeros(len(h), dtype=bool)
        first_row = first_in_chunk
        for seen_hash, seen_row in self.seen:
            pos = np.minimum(np.searchsorted(seen_hash, h), len(seen_hash) - 1)
            hit = ~earlier & (seen_hash[pos] == h)
            if hit.any():
                first_row = np.where(hit, seen_row[pos], first_row)
                earlier |= hit
        dup = (first_row != r) & ~empty.to_numpy()
        for row, value, first in zip(r[dup], ids.to_numpy()[dup], first_row[dup], strict=True):
            problems.add(int(row), col, value, f"repeats the incident id of row {int(first)}.")
        new = ~earlier & (first_in_chunk == r)
        if new.any():
            new_h = h[new]
            order = np.argsort(new_h, kind="stable")
            self.seen.append((new_h[order], r[new][order].astype(np.int32)))
        return ids.where(~(empty | long | pd.Series(dup, index=ids.index)))

    def _coordinates(
        self, chunk: pd.DataFrame, rows: pd.Series, problems: Problems
    ) -> tuple[pd.Series, pd.Series, pd.Series]:
        if "latitude" not in self.col:
            nan = pd.Series(np.nan, index=chunk.index)
            return nan, nan, pd.Series(False, index=chunk.index)
        out = []
        bad_any = pd.Series(False, index=chunk.index)
        for name, limit in (("latitude", 90), ("longitude", 180)):
            col = self.col[name]
            num, retried = numbers(chunk[col])  # retried: stripped cells not read directly
            bad = pd.Series(False, index=chunk.index)
            bad[retried.index] = (retried != "") & num[retried.index].isna()
            if bad.any():
                problems.add_many(rows[bad], col, retried[bad], f"is not a {name}.")
            out_of = num.abs() > limit
            if out_of.any():
                raw = chunk[col][out_of].astype(str).str.strip()
                problems.add_many(rows[out_of], col, raw, f"is outside the valid range ±{limit}.")
            bad_any |= bad | out_of
            out.append(num.where(~out_of))
        lat, lon = out
        half = lat.isna() != lon.isna()
        half &= ~bad_any
        if half.any():
            col = self.col["latitude"] if lat.isna().any() else self.col["longitude"]
            problems.add_many(
                rows[half], col, "", "has only one of latitude and longitude: give both or neither."
            )
        return lat, lon, bad_any | half

    def clean(self, chunk: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        rows = chunk["_row"]
        ids = self._ids(chunk, rows, problems)
        ts = self._dates(chunk, rows, problems)
        counts: dict[str, pd.Series] = {}
        for name in ("killed", "injured"):
            if name in self.col:
                col = self.col[name]
                num = whole_numbers(
                    chunk[col], rows=rows, column=col, problems=problems, empty_ok=True
                )
                big = num > 32_000
                if big.any():
                    problems.add_many(rows[big], col, chunk[col][big], "is too large.")
                bad_mask = num.isna()  # … and the cell not empty
                if bad_mask.any():
                    bad_mask[bad_mask] = chunk[col][bad_mask].astype(str).str.strip() != ""
                counts[name] = num.where(~big).fillna(0)
                counts[f"{name}_bad"] = bad_mask | big
            else:
                counts[name] = pd.Series(0.0, index=chunk.index)
                counts[f"{name}_bad"] = pd.Series(False, index=chunk.index)
        lat, lon, coord_bad = self._coordinates(chunk, rows, problems)
        tags = chunk[self.col["characteristics"]] if "characteristics" in self.col else None
        offense_bad = pd.Series(False, index=chunk.index)
        if "offense" in self.col:
            col = self.col["offense"]
            raw = chunk[col].astype(str).str.strip()
            lookup: dict[str, Any] = {}
            for u in raw.unique():
                code = offense_code(u)
                lookup[u] = code if code else ("" if normalise(u) in OTHER_WORDS else None)
            offense = raw.map(lookup)
            derive = raw == ""
            if derive.any():
                offense[derive] = classify(counts["killed"], counts["injured"], tags)[derive]
            unknown = offense.isna() & ~derive
            unknown &= raw.map(lambda u: lookup.get(u) is None)
            if unknown.any():
                problems.add_many(
                    rows[unknown],
                    col,
                    raw[unknown],
                    "is not a known offense; use an offense name, “shots fired” or “other”.",
                )
            offense_bad = unknown
            offense = offense.replace("", None)
        else:
            offense = classify(counts["killed"], counts["injured"], tags)
        if "description" in self.col:
            desc = chunk[self.col["description"]].astype(str)
        elif tags is not None:
            desc = tags.astype(str)
        else:
            desc = pd.Series("", index=chunk.index)
        desc = desc.str.strip().str.slice(0, 300)
        has_time = ts.notna() & (ts != ts.dt.normalize())
        ok = ids.notna() & ts.notna() & ~coord_bad & ~offense_bad
        ok &= ~counts["killed_bad"] & ~counts["injured_bad"]
        out = pd.DataFrame(
            {
                "_row": rows,
                "external_id": ids,
                "occurred_on": ts.dt.strftime("%Y-%m-%d"),
                "occurred_at": ts.where(has_time),
                "offense": offense,
                "latitude": lat,
                "longitude": lon,
                "killed": counts["killed"].astype("int64"),
                "injured": counts["injured"].astype("int64"),
                "description": desc,
            }
        )[ok]
        self._tally(out, ts[ok])
        return out

    def _tally(self, out: pd.DataFrame, ts: pd.Series) -> None:
        self.rows += len(out)
        if not len(out):
            return
        for code, n in out["offense"].fillna("other").value_counts().items():
            self.by_offense[code] = self.by_offense.get(code, 0) + int(n)
        for month, n in ts.dt.strftime("%Y-%m").value_counts().items():
            self.by_month[month] = self.by_month.get(month, 0) + int(n)
        lo, hi = ts.min(), ts.max()
        self.first = lo if self.first is None else min(self.first, lo)
        self.last = hi if self.last is None else max(self.last, hi)
        self.geocoded += int((out["latitude"].notna() & out["longitude"].notna()).sum())

    def stats(self) -> dict[str, Any]:
        order = [*OFFENSE_NAMES, "other"]
        return {
            "first_date": self.first.date().isoformat() if self.first is not None else None,
            "last_date": self.last.date().isoformat() if self.last is not None else None,
            "by_offense": {k: self.by_offense[k] for k in order if k in self.by_offense},
            "months": sorted(self.by_month),
            "geocoded": self.geocoded,
            "incidents": self.rows,
        }
