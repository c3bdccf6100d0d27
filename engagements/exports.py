"""Activity exports in the shape of BJA's TTA reporting: the columns and one activity's values.
The files are streamed by :mod:`psp.core.exports` (CSV line by line, XLSX from a write-only
workbook), which also protects user text against spreadsheet formula injection.

Neither builds the whole file in memory: rows come from ``QuerySet.iterator(chunk_size=…)``
(prefetches run per chunk).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse

from engagements.models import Activity, TARequest
from psp.core import exports

CHUNK_SIZE = 2000

# Column headers follow the fields BJA's TTA reporting asks for.
COLUMNS = [
    "Activity ID",
    "Site",
    "State",
    "TA type",
    "Date",
    "End date",
    "Duration (hours)",
    "Audience",
    "Participants",
    "Location/mode",
    "Core areas",
    "Engagement",
    "Agencies",
    "Summary",
    "Next steps",
    "Milestones",
    "Logged by",
    # Links, as ids, so the chain can be followed in a spreadsheet too (issue 16).
    "Engagement ID",
    "Milestone IDs",
    "TA request IDs delivered",
    "Action item IDs served",
]


def activity_row(a: Activity) -> list[Any]:
    """One activity as export values (dates, numbers and text; text not yet neutralised)."""
    return [
        a.pk,
        a.site.name,
        a.site.state,
        a.get_kind_display(),
        a.date,
        a.end_date,
        a.duration_hours,
        a.audience,
        a.participants_count,
        a.get_mode_display(),
        "; ".join(c.name for c in a.core_areas.all()),
        a.engagement.core_area.name if a.engagement else "",
        "; ".join(ag.name for ag in a.agencies.all()),
        a.summary,
        a.next_steps,
        "; ".join(m.title for m in a.milestones.all()),
        str(a.logged_by) if a.logged_by else "",
        a.engagement_id or "",
        "; ".join(str(m.pk) for m in a.milestones.all()),
        "; ".join(str(r.pk) for r in a.ta_requests.all()),
        "; ".join(str(r.action_item_id) for r in a.ta_requests.all() if r.action_item_id),
    ]


def iter_rows(qs: QuerySet[Activity]) -> Iterator[list[Any]]:
    """Rows of ``qs`` fetched in chunks, with its prefetches run per chunk."""
    links = TARequest.objects.only("id", "delivered_by_id", "action_item_id").order_by("id")
    qs = qs.prefetch_related(Prefetch("ta_requests", queryset=links))
    for activity in qs.iterator(chunk_size=CHUNK_SIZE):
        yield activity_row(activity)


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV text of activity rows, line by line (the header first, before any row is read)."""
    return exports.csv_lines(COLUMNS, rows)


def csv_response(qs: QuerySet[Activity], filename: str) -> StreamingHttpResponse:
    return exports.csv_response(COLUMNS, iter_rows(qs), filename=filename)


def xlsx_response(qs: QuerySet[Activity], filename: str) -> FileResponse:
    return exports.xlsx_response(COLUMNS, iter_rows(qs), filename=filename, sheet="Activities")
