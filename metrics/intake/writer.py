"""Write clean rows: stage them in a temporary table, then merge in one transaction.

Staging happens chunk by chunk as the file is read (PostgreSQL: psycopg 3 ``COPY``; SQLite:
batched inserts), into a session-local temporary table that no one else sees. The merge —
``INSERT … SELECT … ON CONFLICT`` plus the revision history — runs in a single transaction, so an
import commits every row or none. Bulk SQL bypasses model signals, so the revision history of
monthly counts is written here, explicitly.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import connection

STAGE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "monthly_counts": [
        ("row_no", "integer"),
        ("month", "date"),
        ("offense_id", "bigint"),
        ("count", "integer"),
    ],
    "incidents": [
        ("row_no", "integer"),
        ("external_id", "varchar(100)"),
        ("occurred_on", "date"),
        ("occurred_at", "timestamp with time zone"),
        ("offense", "varchar(40)"),
        ("latitude", "double precision"),
        ("longitude", "double precision"),
        ("killed", "integer"),
        ("injured", "integer"),
        ("description", "varchar(300)"),
    ],
    "trust_survey": [
        ("row_no", "integer"),
        ("period_start", "date"),
        ("period_end", "date"),
        ("measure", "varchar(100)"),
        ("value", "numeric(5,2)"),
        ("sample_size", "integer"),
        ("method", "varchar(200)"),
    ],
}


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


UPLOAD_STAGE_PREFIX = "psp_stage_upload_"


@dataclass
class Stage:
    """A staging table for one import: a session-local temporary table, or — ``upload_id``
    given, PostgreSQL — the upload's own UNLOGGED table ``psp_stage_upload_<id>``, written by
    the preview and merged at confirmation (so the file is read and checked once)."""

    kind: str
    name: str = ""
    rows: int = 0
    columns: list[tuple[str, str]] = field(default_factory=list)
    upload_id: int | None = None

    def __post_init__(self) -> None:
        self.columns = STAGE_COLUMNS[self.kind]
        if self.upload_id is not None:
            self.name = f"{UPLOAD_STAGE_PREFIX}{int(self.upload_id)}"
        else:
            self.name = f"psp_stage_{self.kind}"

    def create(self) -> None:
        cols = ", ".join(f"{c} {t}" for c, t in self.columns)
        # An upload's stage outlives the connection (UNLOGGED: no WAL; a crash empties it and
        # the import then reads the file again); its creation time is its comment, for the
        # sweeper (PSP_IMPORT_STAGE_HOURS).
        kind = "UNLOGGED" if self.upload_id is not None else "TEMPORARY"
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.name}")
            cur.execute(f"CREATE {kind} TABLE {self.name} ({cols})")
            if self.upload_id is not None:
                cur.execute(
                    f"COMMENT ON TABLE {self.name} IS "
                    f"'{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}'"
                )
        self.rows = 0

    def exists(self) -> bool:
        """Whether the table is there (an upload's stage may have been swept)."""
        return _one("SELECT to_regclass(%s) IS NOT NULL", [self.name]) is True

    def count(self) -> int:
        self.rows = int(_one(f"SELECT COUNT(*) FROM {self.name}", []))
        return self.rows

    def drop(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.name}")

    def write(self, frame: pd.DataFrame) -> None:
        """Append a clean chunk (its columns in ``STAGE_COLUMNS`` order)."""
        if frame.empty:
            return
        names = [c for c, _ in self.columns]
        frame = frame[names]
        if _is_postgres():
            buf = io.StringIO()
            # CSV format: an unquoted empty field is NULL; text is quoted only when needed.
            frame.to_csv(buf, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S")
            with connection.cursor() as cur:
                raw = cur.cursor
                with raw.copy(
                    f"COPY {self.name} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
                ) as cp:
                    cp.write(buf.getvalue())
        else:
            placeholders = ", ".join(["%s"] * len(names))
            records = [
                tuple(_sqlite_value(v) for v in rec)
                for rec in frame.itertuples(index=False, name=None)
            ]
            with connection.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({placeholders})",
                    records,
                )
        self.rows += len(frame)


def _sqlite_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v != v:  # NaN
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def _one(sql: str, params: list[Any]) -> Any:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return row[0] if row else None


def _exec(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rowcount: int = cur.rowcount  # the DB-API cursor is untyped
        return rowcount


@dataclass
class MergeResult:
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    revisions: list[dict[str, Any]] = field(default_factory=list)


def merge_monthly_counts(
    stage: Stage, *, site_id: int, upload_id: int, user_id: int | None, now: dt.datetime
) -> MergeResult:
    """Upsert staged counts; keep every changed value as a revision (who, when, which upload).

    Must run inside the import's transaction.
    """
    s = stage.name
    join = (
        f"FROM {s} s JOIN metrics_monthlycount mc ON mc.site_id = %s AND mc.month = s.month "
        "AND mc.offense_id = s.offense_id"
    )
    res = MergeResult()
    res.revised = _one(f"SELECT COUNT(*) {join} WHERE mc.count <> s.count", [site_id])
    res.unchanged = _one(f"SELECT COUNT(*) {join} WHERE mc.count = s.count", [site_id])
    res.added = stage.rows - res.revised - res.unchanged
    # History of changed values, before they are overwritten.
    _exec(
        "INSERT INTO metrics_monthlycountrevision "
        "(monthly_count_id, value, previous_value, upload_id, recorded_by_id, recorded_at) "
        f"SELECT mc.id, s.count, mc.count, %s, %s, %s {join} WHERE mc.count <> s.count",
        [upload_id, user_id, now, site_id],
    )
    _exec(
        "INSERT INTO metrics_monthlycount "
        "(site_id, month, offense_id, count, first_count, status, upload_id, created_at, "
        "updated_at) "
        f"SELECT %s, s.month, s.offense_id, s.count, s.count, 'reported', %s, %s, %s FROM {s} s "
        "WHERE true "
        "ON CONFLICT (site_id, month, offense_id) DO UPDATE SET count = excluded.count, "
        "upload_id = excluded.upload_id, updated_at = excluded.updated_at "
        "WHERE metrics_monthlycount.count <> excluded.count",
        [site_id, upload_id, now, now],
    )
    # The first-reported value of every new row.
    _exec(
        "INSERT INTO metrics_monthlycountrevision "
        "(monthly_count_id, value, previous_value, upload_id, recorded_by_id, recorded_at) "
        "SELECT mc.id, mc.count, NULL, %s, %s, %s FROM metrics_monthlycount mc "
        "WHERE mc.site_id = %s AND mc.upload_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM metrics_monthlycountrevision r WHERE r.monthly_count_id = mc.id)",
        [upload_id, user_id, now, site_id, upload_id],
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT mc.month, o.code, r.previous_value, r.value "
            "FROM metrics_monthlycountrevision r "
            "JOIN metrics_monthlycount mc ON mc.id = r.monthly_count_id "
            "JOIN metrics_offense o ON o.id = mc.offense_id "
            "WHERE r.upload_id = %s AND r.previous_value IS NOT NULL "
            'ORDER BY mc.month, o."order" LIMIT 500',
            [upload_id],
        )
        for month, code, old, new in cur.fetchall():
            month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))
            res.revisions.append(
                {"month": month.isoformat(), "offense": code, "old": old, "new": new}
            )
    return res


INCIDENT_VALUES = (
    "occurred_on",
    "occurred_at",
    "offense_id",
    "description",
    "latitude",
    "longitude",
    "killed",
    "injured",
)


def unknown_offenses(stage: Stage, *, limit: int = 20) -> list[tuple[int, str]]:
    """(row, code) of staged incidents whose offense code is not in ``metrics_offense``.

    The incident's offense is stored without a database foreign key (a deferred per-row check
    cost 6–7 s at commit for 1,000,000 rows), so the import checks the references here, in its
    transaction, with one pass over the stage: the distinct codes, matched against the offense
    table. On PostgreSQL the matched offense rows are locked ``FOR KEY SHARE`` until commit, as
    a foreign key check would. Rows are listed only when a code is missing.
    """
    s = stage.name
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT offense FROM {s} WHERE offense IS NOT NULL")
        codes = [c for (c,) in cur.fetchall()]
        if not codes:
            return []
        marks = ", ".join(["%s"] * len(codes))
        lock = " FOR KEY SHARE" if _is_postgres() else ""
        cur.execute(f"SELECT code FROM metrics_offense WHERE code IN ({marks}){lock}", codes)
        missing = sorted(set(codes) - {c for (c,) in cur.fetchall()})
        if not missing:
            return []
        marks = ", ".join(["%s"] * len(missing))
        cur.execute(
            f"SELECT row_no, offense FROM {s} WHERE offense IN ({marks}) ORDER BY row_no LIMIT %s",
            [*missing, limit],
        )
        return [(int(r), str(c)) for r, c in cur.fetchall()]


def site_exists(site_id: int) -> bool:
    """Whether the site row is there, locked ``FOR KEY SHARE`` until commit on PostgreSQL: the
    incident's site has no database foreign key (migration ``metrics.0064``), so the import
    checks it once instead of PostgreSQL checking every row at commit."""
    lock = " FOR KEY SHARE" if _is_postgres() else ""
    count: int = _one(
        f"SELECT COUNT(*) FROM (SELECT id FROM sites_site WHERE id = %s{lock}) s", [site_id]
    )
    return count == 1


def upload_stages() -> dict[int, dt.datetime | None]:
    """Upload id → creation time of every upload stage table on PostgreSQL (empty elsewhere)."""
    if not _is_postgres():
        return {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname LIKE %s",
            [UPLOAD_STAGE_PREFIX.replace("_", r"\_") + "%"],
        )
        rows = cur.fetchall()
    out: dict[int, dt.datetime | None] = {}
    for name, comment in rows:
        tail = name[len(UPLOAD_STAGE_PREFIX) :]
        if not tail.isdigit():
            continue
        try:
            made: dt.datetime | None = dt.datetime.fromisoformat(comment) if comment else None
        except ValueError:
            made = None
        out[int(tail)] = made
    return out


def drop_upload_stage(upload_id: int) -> None:
    """Drop an upload's stage table if it is there (PostgreSQL; nothing to do elsewhere)."""
    if _is_postgres():
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {UPLOAD_STAGE_PREFIX}{int(upload_id)}")


def upload_exists(upload_id: int) -> bool:
    """Whether the upload row is there, locked ``FOR KEY SHARE`` until commit on PostgreSQL
    (what the foreign-key check of each incident's ``upload_id`` did, once instead of per row)."""
    lock = " FOR KEY SHARE" if _is_postgres() else ""
    count: int = _one(
        f"SELECT COUNT(*) FROM (SELECT id FROM metrics_upload WHERE id = %s{lock}) u",
        [upload_id],
    )
    return count == 1


MERGE_LOCK = 8_1  # pg_advisory_xact_lock(MERGE_LOCK, site id): incident merges of one site


def merge_incidents(stage: Stage, *, site_id: int, source: str, upload_id: int) -> MergeResult:
    """Upsert staged incidents by (site, source, external id); a corrected file replaces values.

    Only rows whose values really changed are rewritten (and take this upload as their source):
    an unchanged row costs an index probe, not a new row version. A first import of a source
    (nothing stored yet for the site and source) skips the update pass altogether and inserts
    without ``ON CONFLICT``; merges of one site are serialised by an advisory lock held until
    commit, so no other import can store the source in between. Counts come
    from the statements' row counts, with no separate counting pass. Offense codes become ids by
    a join with the offense table; check them first with :func:`unknown_offenses`.
    """
    s = stage.name
    # The staged rows with their offense id (NULL: an incident outside the offense codes).
    src = (
        f"(SELECT s.*, o.id AS offense_id FROM {s} s "
        "LEFT JOIN metrics_offense o ON o.code = s.offense)"
    )
    res = MergeResult()
    if _is_postgres():  # one merge per site at a time, so ``stored`` stays true until commit
        _exec("SELECT pg_advisory_xact_lock(%s, %s)", [MERGE_LOCK, site_id])
    stored = _one(
        "SELECT EXISTS (SELECT 1 FROM metrics_incident WHERE site_id = %s AND source = %s)",
        [site_id, source],
    )
    if stored:
        if not _is_postgres():  # SQLite would otherwise scan the stage once per stored row
            _exec(f"CREATE INDEX IF NOT EXISTS {s}_id ON {s} (external_id)", [])
        assign = ", ".join(f"{c} = s.{c}" for c in INCIDENT_VALUES if c != "description")
        old = [f"i.{c}" for c in INCIDENT_VALUES]
        new = [
            "COALESCE(s.description, '')" if c == "description" else f"s.{c}"
            for c in INCIDENT_VALUES
        ]
        if _is_postgres():
            changed = f"({', '.join(old)}) IS DISTINCT FROM ({', '.join(new)})"
        else:  # SQLite: IS NOT is its null-safe inequality
            changed = " OR ".join(f"{o} IS NOT {n}" for o, n in zip(old, new, strict=True))
        res.revised = _exec(
            f"UPDATE metrics_incident AS i SET {assign}, "
            "description = COALESCE(s.description, ''), upload_id = %s "
            f"FROM {src} s WHERE i.site_id = %s AND i.source = %s "
            f"AND i.external_id = s.external_id AND ({changed})",
            [upload_id, site_id, source],
        )
    res.added = _exec(
        "INSERT INTO metrics_incident (site_id, source, external_id, occurred_on, occurred_at, "
        "offense_id, description, latitude, longitude, killed, injured, upload_id) "
        "SELECT %s, %s, s.external_id, s.occurred_on, s.occurred_at, s.offense_id, "
        f"COALESCE(s.description, ''), s.latitude, s.longitude, s.killed, s.injured, %s "
        f"FROM {src} s WHERE true"
        # A first import of the source cannot conflict (the stage holds each id once): a plain
        # insert. A re-send inserts only the ids not stored (an anti-join, no speculative
        # insertion); the advisory lock keeps other merges of the site out until commit.
        + (
            " AND NOT EXISTS (SELECT 1 FROM metrics_incident x WHERE x.site_id = %s "
            "AND x.source = %s AND x.external_id = s.external_id)"
            if stored
            else ""
        ),
        [site_id, source, upload_id, *([site_id, source] if stored else [])],
    )
    res.unchanged = stage.rows - res.added - res.revised
    return res


def merge_trust(stage: Stage, *, site_id: int, upload_id: int, now: dt.datetime) -> MergeResult:
    """Upsert staged trust measures by (site, measure, period)."""
    s = stage.name
    res = MergeResult()
    join = (
        f"FROM {s} s JOIN metrics_trustmeasure t ON t.site_id = %s AND t.measure = s.measure "
        "AND t.period_start = s.period_start AND t.period_end = s.period_end"
    )
    res.revised = _one(f"SELECT COUNT(*) {join} WHERE t.value <> s.value", [site_id])
    res.unchanged = _one(f"SELECT COUNT(*) {join} WHERE t.value = s.value", [site_id])
    res.added = stage.rows - res.revised - res.unchanged
    _exec(
        "INSERT INTO metrics_trustmeasure (site_id, period_start, period_end, measure, value, "
        "sample_size, method, upload_id, updated_at) "
        "SELECT %s, s.period_start, s.period_end, s.measure, s.value, s.sample_size, "
        f"COALESCE(s.method, ''), %s, %s FROM {s} s WHERE true "
        "ON CONFLICT (site_id, measure, period_start, period_end) DO UPDATE SET "
        "value = excluded.value, sample_size = excluded.sample_size, method = excluded.method, "
        "upload_id = excluded.upload_id, updated_at = excluded.updated_at",
        [site_id, upload_id, now],
    )
    return res
