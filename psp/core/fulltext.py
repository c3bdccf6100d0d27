"""Full-text (GIN) indexes whose expression is the one Django's
``SearchVector(*fields, config=CONFIG)`` renders, so PostgreSQL uses them for a query filtering
on that vector (issue 16's search box; tests/dashboards/test_search_indexes.py checks with
EXPLAIN). Migrations create them through :func:`gin_indexes`; on other databases it is a no-op,
as the search there does not use full text."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations

CONFIG = "english"

# (index name, table, columns in the order the search lists its fields)
IndexSpec = tuple[str, str, tuple[str, ...]]


def vector_sql(columns: Iterable[str]) -> str:
    """``to_tsvector('english', COALESCE(a, '') || ' ' || COALESCE(b, ''))``: SearchVector's SQL
    for text columns."""
    joined = " || ' ' || ".join(f"COALESCE({c}, '')" for c in columns)
    return f"to_tsvector('{CONFIG}'::regconfig, {joined})"


def gin_indexes(indexes: Iterable[IndexSpec]) -> migrations.RunPython:
    """A migration operation creating (and on reverse dropping) these indexes on PostgreSQL."""
    specs = tuple(indexes)

    def create(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for name, table, columns in specs:
                vector = vector_sql(columns)
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({vector})"
                )

    def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for name, _table, _columns in specs:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
