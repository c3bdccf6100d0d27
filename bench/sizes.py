"""Measurement 4 (storage): database size, and the incident table's size per million rows."""

from __future__ import annotations

from bench.config import Scale
from bench.report import Report


def measure(scale: Scale, report: Report) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE metrics_incident")
        cur.execute(
            "SELECT COUNT(*), pg_total_relation_size('metrics_incident'), "
            "pg_relation_size('metrics_incident'), pg_indexes_size('metrics_incident'), "
            "pg_database_size(current_database()) FROM metrics_incident"
        )
        n, total, heap, indexes, db = cur.fetchone()
    mb = 1024 * 1024
    per_million = total / max(n, 1) * 1_000_000 / mb
    report.detail(
        "storage",
        {
            "incidents": n,
            "incident_table_mb": total / mb,
            "incident_heap_mb": heap / mb,
            "incident_indexes_mb": indexes / mb,
            "database_mb": db / mb,
            "mb_per_million_incidents": per_million,
        },
    )
    report.measure(
        "size.per_million",
        f"Database size per million incidents (table + indexes, {n:,} stored)",
        figure=per_million,
        unit="MB",
        floor=heap / max(n, 1) * 1_000_000 / mb,
        floor_label="the table's rows alone, no indexes",
        target="(reported)",
        passed=None,
    )
    report.measure(
        "size.database",
        "Whole benchmark database",
        figure=db / mb,
        unit="MB",
        floor=None,
        floor_label="",
        target="(reported)",
        passed=None,
    )
