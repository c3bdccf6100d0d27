"""Hostile and broken files through the web form and both import commands (issue 21, H1/H2/M3/L1).

Every file is built here (nothing large is kept in the repository). Each must get a named
error, change no outcome data and leave no file on disk without its upload row; a refused
upload's page never reads the file again; and reading the worst of them stays within 500 MB of
memory, measured in a separate process.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from metrics.models import Upload
from metrics.services import uploads as upload_services
from tests.metrics.conftest import as_file, outcome_snapshot

pytestmark = pytest.mark.django_db

HEADER = b"month,offense,count\n"
GOOD_ROW = b"2024-01,robbery,3\n"


def xlsx_cell_at_xfd1048576() -> bytes:
    """H1: a workbook of a few KB whose only cell sits at the last row and column."""
    book = openpyxl.Workbook()
    book.active["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_unpacking_to(size: int) -> bytes:
    """H2: a real workbook whose sheet is padded with compressible XML to ``size`` bytes."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["month", "offense", "count"])
    sheet.append(["2024-01", "robbery", 3])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, data)
                continue
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                head, tail = data.split(b"</sheetData>")
                fh.write(head)
                block = b"<!-- padding -->" * 65536  # 1 MiB
                for _ in range(size // len(block) + 1):
                    fh.write(block)
                fh.write(b"</sheetData>" + tail)
    return out.getvalue()


def xlsx_with_columns(n: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([f"c{i}" for i in range(n)])
    sheet.append(["1"] * n)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_of_a_csv() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("counts.csv", HEADER + GOOD_ROW)
    return out.getvalue()


def zip_with_traversal() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(plain := io.BytesIO(xlsx_with_columns(3))) as src:
        with zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                dst.writestr(item, src.read(item.filename))
            dst.writestr("../../evil.sh", b"#!/bin/sh\n")
    plain.close()
    return out.getvalue()


def nul_at(offset: int) -> bytes:
    rows = HEADER + GOOD_ROW * (offset // len(GOOD_ROW) + 2)
    return rows[:offset] + b"\x00" + rows[offset + 1 :]


# (case, file name, content builder, words of the error). Built lazily: some are tens of MB.
CORPUS = [
    ("cell at XFD1048576", "counts.xlsx", xlsx_cell_at_xfd1048576, "reaches column 16,384"),
    ("xlsx bomb", "counts.xlsx", lambda: xlsx_unpacking_to(300 * 2**20), "unpacks to"),
    ("xlsx 2,000 columns", "counts.xlsx", lambda: xlsx_with_columns(2000), "column 2,000"),
    (
        "csv 100,000 columns",
        "counts.csv",
        lambda: b",".join([b"x"] * 100_000) + b"\n" + b",".join([b"1"] * 100_000) + b"\n",
        "100,000 columns",
    ),
    ("45 MB single line", "counts.csv", lambda: HEADER + b"9" * (45 * 2**20), "Row 2 is longer"),
    ("45 MB without a line break", "counts.csv", lambda: b"m" * (45 * 2**20), "Row 1 is longer"),
    ("NUL in the first bytes", "counts.csv", lambda: nul_at(25), "not a text file"),
    ("NUL after 8 KB", "counts.csv", lambda: nul_at(9000), "NUL byte (0x00) on row"),
    ("NUL after 1 MB", "counts.csv", lambda: nul_at(2**20 + 5), "NUL byte (0x00) on row"),
    (
        "NUL as the last byte",
        "counts.csv",
        lambda: HEADER + GOOD_ROW * 200_000 + b"\x00",
        "NUL byte (0x00) on row 200002",
    ),
    ("UTF-16", "counts.csv", lambda: (HEADER + GOOD_ROW).decode().encode("utf-16"), "UTF-16"),
    (
        "UTF-16 without a byte-order mark",
        "counts.csv",
        lambda: (HEADER + GOOD_ROW).decode().encode("utf-16-le"),
        "not a text file",
    ),
    ("Latin-1", "counts.csv", lambda: HEADER + "2024-01,agresión,3\n".encode("latin-1"), "UTF-8"),
    ("Windows program", "counts.csv", lambda: b"MZ\x90\x00" + b"\x00" * 200, "a program"),
    ("Linux program", "counts.csv", lambda: b"\x7fELF\x02\x01" + b"\x00" * 200, "a program"),
    ("zip named .csv", "counts.csv", zip_of_a_csv, "is a ZIP archive"),
    ("zip named .xlsx", "counts.xlsx", zip_of_a_csv, "not an Excel workbook"),
    ("workbook with a climbing part", "counts.xlsx", zip_with_traversal, "leaves the archive"),
    ("truncated workbook", "counts.xlsx", lambda: xlsx_with_columns(3)[:900], "cannot be opened"),
]
IDS = [case[0] for case in CORPUS]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for i, (case, name, build, _) in enumerate(CORPUS):
        path = folder / str(i) / name
        path.parent.mkdir()
        path.write_bytes(build())
        paths[case] = path
    return paths


def stored_files() -> set[str]:
    root = Path(settings.PSP_UPLOAD_DIR)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def assert_nothing_left_behind(before: dict) -> None:
    assert outcome_snapshot() == before
    assert stored_files() == {u.file.name for u in Upload.objects.all()}


@pytest.mark.parametrize(("case", "name", "build", "words"), CORPUS, ids=IDS)
def test_the_web_form_names_the_problem_and_keeps_nothing(
    corpus, case, name, build, words, client_for, liaison_a, site_a
):
    before = outcome_snapshot()
    c = client_for(liaison_a)
    response = c.post(
        reverse("metrics:upload_create", args=[site_a.slug]),
        {"kind": "monthly_counts", "file": as_file(corpus[case].read_bytes(), name)},
        follow=True,
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    upload = Upload.objects.filter(site=site_a).first()
    if upload is not None:  # stored as "has problems": its page never reads the file again
        assert upload.status == "invalid"
        with _reading_forbidden():
            page = c.get(upload.get_absolute_url()).content.decode()
        assert words in page
        assert len(page) < 200_000
    assert_nothing_left_behind(before)


@pytest.mark.parametrize(("case", "name", "build", "words"), CORPUS, ids=IDS)
@pytest.mark.parametrize("command", ["import_monthly_counts", "import_incidents"])
def test_both_import_commands_name_the_problem_and_keep_nothing(
    corpus, case, name, build, words, command, site_a
):
    before = outcome_snapshot()
    with pytest.raises(CommandError) as exc:
        call_command(command, "--site", site_a.slug, str(corpus[case]))
    assert words in str(exc.value)
    assert_nothing_left_behind(before)


class _reading_forbidden:
    """Fail the test if anything opens an upload's file through the reader."""

    def __enter__(self) -> None:
        from metrics.intake import reader

        self._saved = reader.inspect

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("the page read the uploaded file again")

        reader.inspect = refuse  # type: ignore[assignment]

    def __exit__(self, *exc: object) -> None:
        from metrics.intake import reader

        reader.inspect = self._saved  # type: ignore[assignment]


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.csv", "..\\..\\windows\\evil.csv", "/abs/path/x.csv", "..", "a\x07b.csv"],
)
def test_path_like_names_are_kept_as_a_plain_name_and_never_used_on_disk(name, site_a, liaison_a):
    upload = upload_services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file(HEADER + GOOD_ROW, "x.csv"),
        acting_user=liaison_a,
        name=name,
    )
    assert "/" not in upload.original_name and "\\" not in upload.original_name
    assert upload.original_name.isprintable() and upload.original_name not in ("", "..")
    stored = Path(upload.file.path).resolve()
    assert stored.is_relative_to(Path(settings.PSP_UPLOAD_DIR).resolve())
    assert stored.name == upload.sha256


def test_a_file_refused_after_it_was_stored_leaves_no_file(site_a, liaison_a, monkeypatch):
    def broken(**kwargs: object) -> None:
        raise RuntimeError("the check crashed")

    monkeypatch.setattr(upload_services, "upload_validate", broken)
    with pytest.raises(RuntimeError):
        upload_services.upload_receive(
            site=site_a, kind="monthly_counts", file=as_file(HEADER + GOOD_ROW), acting_user=None
        )
    assert Upload.objects.count() == 0
    assert stored_files() == set()


MEASURE = """
import json, sys, time, datetime as dt
from pathlib import Path
import django
django.setup()
from metrics.intake import base
from metrics.intake.monthly import MonthlyCountsParser
from metrics.intake.problems import FileRejected
out = {}
for arg in sys.argv[1:]:
    path = Path(arg)
    start = time.perf_counter()
    try:
        base.scan(path, MonthlyCountsParser(today=dt.date(2025, 1, 1)), name=path.name)
        outcome = "read"
    except FileRejected as exc:
        outcome = str(exc)
    out[arg] = outcome
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over from before exec)
status = open("/proc/self/status").read().split("VmHWM:")[1]
out["peak_mb"] = int(status.split()[0]) / 1024
print(json.dumps(out))
"""


def test_reading_the_worst_files_stays_under_500_mb(corpus):
    heavy = ["cell at XFD1048576", "xlsx bomb", "csv 100,000 columns", "45 MB single line"]
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, *(str(corpus[c]) for c in heavy)],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "psp.settings.test", "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(report[str(corpus[c])] != "read" for c in heavy), report
    assert report["peak_mb"] <= 500, report
