"""CSV and XLSX exports: exactly the filtered rows, streamed, safe against formula injection."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from engagements import exports
from engagements.models import Activity
from tests.engagements.factories import ActivityFactory, area

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def read_csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(response):
    assert isinstance(response, FileResponse)
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return wb["Activities"]


def test_csv_export_has_bja_columns_and_keeps_the_filter(client_for, pm, site_a, site_b, work_a):
    ActivityFactory(site=site_b, summary="Betatown only")
    response = client_for(pm).get(reverse("engagements:export_csv"), {"site": site_a.slug})
    assert response["Content-Disposition"].startswith('attachment; filename="psp-activities-')
    rows = read_csv(response)
    header = rows[0]
    for column in [
        "TA type",
        "Date",
        "Duration (hours)",
        "Audience",
        "Participants",
        "Location/mode",
        "Core areas",
        "Summary",
        "Milestones",
    ]:
        assert column in header
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["Site"] == "Alphaville"
    assert row["TA type"] == "Site visit"
    assert row["Date"] == "2026-03-04"
    assert row["Agencies"] == "ATF Kansas City Field Division"
    assert "Betatown only" not in str(rows)


def test_xlsx_export_keeps_the_filter_and_types(client_for, pm, site_a, site_b, work_a):
    ActivityFactory(site=site_b, summary="Betatown only")
    ws = read_xlsx(
        client_for(pm).get(reverse("engagements:export_xlsx"), {"agency": work_a["atf"].pk})
    )
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Site"] == "Alphaville"
    assert row["Duration (hours)"] == 2
    assert row["Date"].date().isoformat() == "2026-03-04"


def test_exports_neutralise_formula_injection(client_for, liaison_a, site_a):
    for text in HOSTILE:
        ActivityFactory(site=site_a, summary=text, audience=text)
    c = client_for(liaison_a)
    rows = read_csv(c.get(reverse("engagements:export_csv")))
    summaries = {r[rows[0].index("Summary")] for r in rows[1:]}
    assert summaries == {"'" + t for t in HOSTILE}
    ws = read_xlsx(c.get(reverse("engagements:export_xlsx")))
    cells = [cell for row in ws.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    summary_col = [c.value for c in ws[1]].index("Summary")
    values = {row[summary_col] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert '=HYPERLINK("http://evil")' in values  # kept as text, never a formula


def test_exports_read_rows_in_chunks_not_all_at_once(site_a, monkeypatch):
    """Rows come from ``iterator(chunk_size=…)`` and lazily: the header is produced before any
    row is fetched."""
    from django.db.models.query import QuerySet

    for _ in range(5):
        ActivityFactory(site=site_a)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    seen: list[int | None] = []
    real = QuerySet.iterator

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("chunk_size"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    lines = exports.csv_lines(exports.iter_rows(Activity.objects.with_details()))
    assert next(lines) == "\ufeff"
    assert seen == []
    assert len(list(lines)) == 6
    assert seen == [2]


def test_csv_export_of_many_rows_streams(client_for, admin, site_a):
    ActivityFactory.create_batch(120, site=site_a)
    response = client_for(admin).get(reverse("engagements:export_csv"))
    assert response.streaming
    assert len(read_csv(response)) == 121


def test_export_with_core_area_filter_lists_each_activity_once(client_for, pm, site_a):
    ActivityFactory(site=site_a, core_areas=[area("gun_violence"), area("technology")])
    rows = read_csv(
        client_for(pm).get(reverse("engagements:export_csv"), {"core_area": area("technology").pk})
    )
    assert len(rows) == 2
    assert rows[1][rows[0].index("Core areas")] == "Gun violence; Technology"
