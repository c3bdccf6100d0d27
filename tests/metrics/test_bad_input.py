"""Bad input never gives a traceback or a half-written record (acceptance 3).

Each case names the row and column of the problem, and the database's outcome data is exactly as
it was before (a site with data already imported, so "unchanged" means something).
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from metrics import services
from metrics.models import Incident, MonthlyCount, Upload
from tests.metrics.conftest import as_file, outcome_snapshot

pytestmark = pytest.mark.django_db

GOOD_COUNTS = "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,12\n"
GOOD_INCIDENTS = "id,date,offense,latitude,longitude\nA1,2023-01-05,robbery,37.68,-97.33\n"


@pytest.fixture
def existing(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, GOOD_COUNTS, name="existing.csv")
    run_import(site_a, liaison_a, GOOD_INCIDENTS, kind="incidents", name="existing-inc.csv")
    return outcome_snapshot()


NEXT_YEAR = dt.date.today().year + 1

# (case, kind, file name, content, expected problems as (row, column, words in the message))
INVALID = [
    ("header only", "monthly_counts", "c.csv", "month,offense,count\n", [(2, "", "no data rows")]),
    (
        "latin-1 bytes",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n2024-01,robbery,3\n2024-02,Agresión,3\n".encode("latin-1"),
        [(3, "", "not UTF-8")],
    ),
    (
        "duplicate month and offense",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n2024-01,robbery,3\nJan 2024,Robbery,4\n",
        [(3, "offense", "repeats the month and offense of row 2")],
    ),
    (
        "negative, fractional and non-numeric counts",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n2024-01,robbery,-1\n2024-02,robbery,2.5\n2024-03,robbery,n/a\n",
        [
            (2, "count", "cannot be negative"),
            (3, "count", "whole number"),
            (4, "count", "not a number"),
        ],
    ),
    (
        "unknown offense",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n2024-01,arson,3\n",
        [(2, "offense", "not a known offense")],
    ),
    (
        "unparseable and future months",
        "monthly_counts",
        "c.csv",
        f"month,offense,count\n13/2024,robbery,3\nsoon,robbery,3\n{NEXT_YEAR}-01,robbery,3\n",
        [(2, "month", "not a month"), (3, "month", "not a month"), (4, "month", "future")],
    ),
    (
        "a formula where a count should be",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n2024-01,robbery,=1+2\n",
        [(2, "count", "not a number")],
    ),
    (
        "coordinates outside the valid range",
        "incidents",
        "i.csv",
        "id,date,offense,latitude,longitude\nB1,2024-01-02,robbery,91.5,-97\nB2,2024-01-03,robbery,37,-197\n",
        [(2, "latitude", "outside the valid range"), (3, "longitude", "outside the valid range")],
    ),
    (
        "unparseable and future dates",
        "incidents",
        "i.csv",
        f"id,date,offense\nB1,2024-02-30,robbery\nB2,{NEXT_YEAR}-01-01,robbery\n",
        [(2, "date", "not a date"), (3, "date", "future")],
    ),
    (
        "duplicate incident ids",
        "incidents",
        "i.csv",
        "id,date,offense\nB1,2024-01-02,robbery\nB2,2024-01-03,robbery\nB1,2024-01-04,robbery\n",
        [(4, "id", "repeats the incident id of row 2")],
    ),
    (
        "a row with more cells than the header",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n2024-01,robbery,3\n2024-02,robbery,3,4\n",
        [(0, "", "Row 3 has 4 cells but the header has 3")],
    ),
]


@pytest.mark.parametrize(
    ("kind", "name", "content", "expected"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_file_lists_each_problem_and_changes_no_data(
    site_a, liaison_a, existing, kind, name, content, expected
):
    uploads_before = Upload.objects.count()
    upload = services.upload_receive(
        site=site_a, kind=kind, file=as_file(content, name), acting_user=liaison_a
    )
    assert upload.status == "invalid"
    found = [(e["row"], e["column"], e["message"]) for e in upload.errors]
    assert len(found) == len(expected), found
    for (row, column, words), (f_row, f_col, f_msg) in zip(expected, found, strict=True):
        assert (f_row, f_col) == (row, column)
        assert words in f_msg
    assert outcome_snapshot() == existing
    assert Upload.objects.count() == uploads_before + 1  # kept as the record of the attempt
    with pytest.raises(ValidationError):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    assert outcome_snapshot() == existing


REFUSED = [
    ("empty file", "c.csv", b"", "The file is empty"),
    ("program renamed .csv", "c.csv", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "program"),
    ("UTF-16 text", "c.csv", "month,offense,count\n".encode("utf-16"), "UTF-16"),
]


@pytest.mark.parametrize(
    ("name", "content", "words"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_unreadable_file_is_refused_before_anything_is_stored(
    site_a, liaison_a, existing, name, content, words
):
    uploads_before = Upload.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.upload_receive(
            site=site_a, kind="monthly_counts", file=as_file(content, name), acting_user=liaison_a
        )
    assert words in exc.value.message_dict["file"][0]
    assert Upload.objects.count() == uploads_before
    assert outcome_snapshot() == existing


def test_file_over_the_size_limit_is_refused_before_reading(
    site_a, liaison_a, existing, settings, monkeypatch
):
    settings.PSP_UPLOAD_MAX_BYTES = 1024
    from metrics.services import uploads

    def never(*a, **k):  # reading the file would be a bug
        raise AssertionError("read an oversized file")

    monkeypatch.setattr(uploads, "_hash_and_head", never)
    big = "month,offense,count\n" + "2024-01,robbery,3\n" * 200
    with pytest.raises(ValidationError) as exc:
        services.upload_receive(
            site=site_a, kind="monthly_counts", file=as_file(big), acting_user=liaison_a
        )
    assert "the limit is 1 KB" in exc.value.message_dict["file"][0]
    assert outcome_snapshot() == existing


def test_workbook_with_several_sheets_asks_which_and_changes_nothing(site_a, liaison_a, existing):
    wb = openpyxl.Workbook()
    wb.active.append(["month", "offense", "count"])
    wb.create_sheet("2024")
    buf = io.BytesIO()
    wb.save(buf)
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file(buf.getvalue(), "c.xlsx"),
        acting_user=liaison_a,
    )
    assert upload.status == "invalid"
    assert "choose which one to import" in upload.errors[0]["message"]
    assert outcome_snapshot() == existing


@pytest.mark.parametrize(
    ("label", "content"),
    [
        ("byte-order mark", "\ufeffmonth,offense,count\n2024-05,robbery,7\n".encode()),
        ("Windows line endings", b"month,offense,count\r\n2024-05,robbery,7\r\n"),
        ("semicolons", b"month;offense;count\n2024-05;robbery;7\n"),
        ("tabs and a blank line", b"month\toffense\tcount\n\n2024-05\trobbery\t7\n"),
    ],
)
def test_bom_crlf_and_other_delimiters_are_accepted(site_a, liaison_a, run_import, label, content):
    upload = run_import(site_a, liaison_a, content)
    assert upload.status == "imported"
    assert MonthlyCount.objects.get(site=site_a, month=dt.date(2024, 5, 1)).count == 7


def test_semicolon_file_says_how_it_was_read(site_a, liaison_a):
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file(b"month;offense;count\n2024-05;robbery;7\n"),
        acting_user=liaison_a,
    )
    assert "semicolon-separated" in upload.read_summary().description


def test_formula_in_a_text_cell_is_stored_as_text_never_evaluated(site_a, liaison_a, run_import):
    csv = (
        "id,date,offense,description\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",2024-01-02,robbery,=1+2\n'
    )
    run_import(site_a, liaison_a, csv, kind="incidents")
    incident = Incident.objects.get(site=site_a)
    assert incident.external_id == '=HYPERLINK("http://evil.example","x")'
    assert incident.description == "=1+2"
