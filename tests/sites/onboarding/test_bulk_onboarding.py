"""Onboarding from CSV: every problem reported by row and column; all sites or none."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from engagements.models import Engagement
from sites.models import Site
from sites.onboarding.bulk import parse_onboarding_csv, sites_onboard_bulk
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "name,state,kind,cohort,start_date,program_manager_email,liaison_email,core_areas\n"
SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "onboarding-sample.csv"


@pytest.fixture
def people(db):
    """The program managers and liaisons the sample file names."""
    return {
        "pm": UserFactory(email="pm@psp.example", role="bja_staff"),
        "pm2": UserFactory(email="pm2@psp.example", role="bja_staff"),
        "liaison": UserFactory(email="liaison@psp.example"),
        "liaison2": UserFactory(email="liaison2@psp.example"),
        "analyst": UserFactory(email="analyst@psp.example"),
    }


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode()


GOOD = "Springfield,MA,city,2024,2025-01-06,pm@psp.example,liaison@psp.example,Gun violence"


def errors_of(data: bytes) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in parse_onboarding_csv(data).errors]


def test_the_sample_file_of_the_five_2024_sites_is_valid_and_creates_them_all(people, admin):
    report = parse_onboarding_csv(SAMPLE.read_bytes())
    assert report.errors == []
    assert [r.name for r in report.rows] == [
        "DeKalb County",
        "Pueblo",
        "Seattle",
        "Springfield",
        "Tampa",
    ]
    sites = sites_onboard_bulk(acting_user=admin, rows=report.rows)
    assert {s.slug for s in sites} == {"dekalb-county", "pueblo", "seattle", "springfield", "tampa"}
    tampa = Site.objects.get(slug="tampa")
    assert (tampa.population, tampa.cohort.year, tampa.phase) == (384_959, 2024, "onboarding")
    assert tampa.memberships.filter(role="liaison").count() == 2
    assert Engagement.objects.filter(site=tampa).count() == 3


def test_gazetteer_fills_population_and_coordinates_only_where_it_has_them(people):
    rows = parse_onboarding_csv(
        csv_bytes(GOOD, "DeKalb County,GA,county,2024,2025-01-06,pm@psp.example,,")
    ).rows
    springfield, dekalb = rows
    assert springfield.population and springfield.latitude and springfield.population_source
    assert (dekalb.population, dekalb.latitude, dekalb.population_source) == (None, None, "")


def test_a_byte_order_mark_and_windows_line_endings_are_accepted(people):
    data = b"\xef\xbb\xbf" + csv_bytes(GOOD).replace(b"\n", b"\r\n")
    report = parse_onboarding_csv(data)
    assert report.errors == []
    assert report.rows[0].name == "Springfield"


def test_every_bad_row_is_reported_with_row_and_column(people):
    SiteFactory(name="Pueblo", slug="pueblo", state="CO")
    found = errors_of(
        csv_bytes(
            GOOD,
            "Pueblo,CO,city,2024,2025-01-06,pm@psp.example,,",  # duplicate of an existing site
            "Seattle,WA,city,2024,06/01/2025,nobody@psp.example,ghost@psp.example,",
            "Tampa,FL,city,2024,next week,pm@psp.example,,Knitting",
            "Springfield,MA,city,2024,2025-01-06,pm@psp.example,,",  # duplicate of row 2
        )
    )
    assert (3, "name", "Pueblo, CO is already in the portfolio.") in found
    assert (4, "program_manager_email", "No user has this email address.") in found
    assert (4, "liaison_email", "No user has the email address ghost@psp.example.") in found
    assert any(r == 5 and c == "start_date" and "Not a date" in m for r, c, m in found)
    assert any(
        r == 5 and c == "core_areas" and "“Knitting” is not a core area" in m for r, c, m in found
    )
    assert (6, "name", "Springfield, MA is also on row 2 of this file.") in found
    assert not any(r == 2 for r, _, _ in found)


def test_end_before_start_is_reported_on_the_end_date_column(people):
    header = HEADER.rstrip("\n") + ",End Date\n"
    found = errors_of(csv_bytes(GOOD + ",2024-12-31", header=header))
    assert found == [(2, "End Date", "The engagement must end after it starts.")]


def test_columns_are_named_as_the_file_spells_them(people):
    header = "Name,State,Kind,Cohort,Start Date,Program Manager Email,Liaison Email,Core Areas\n"
    found = errors_of(csv_bytes(GOOD.replace("2025-01-06", "soon"), header=header))
    assert [(r, c) for r, c, _ in found] == [(2, "Start Date")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \r\n", "The file is empty."),
        (HEADER.encode(), "The file has a header but no sites."),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "This is a spreadsheet (XLSX) file, not CSV."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not a CSV text file."),
        (b"name,state\nSpringfield,MA\n", "The header row is missing these columns: kind"),
    ],
)
def test_files_that_are_not_an_onboarding_csv_are_refused_on_row_1(people, data, message):
    errors = parse_onboarding_csv(data).errors
    assert len(errors) == 1
    assert errors[0].row == 1
    assert errors[0].message.startswith(message)


def test_nothing_is_created_unless_every_row_is_valid(people):
    report = parse_onboarding_csv(csv_bytes(GOOD, "Tampa,FL,city,2024,2025-13-40,pm@psp.example,,"))
    assert report.rows == []  # a valid row is not offered for creation beside an invalid one
    assert not report.ok


def test_a_clash_discovered_at_creation_rolls_back_every_site(people, admin):
    rows = parse_onboarding_csv(
        csv_bytes(GOOD, "Tampa,FL,city,2024,2025-01-06,pm@psp.example,,")
    ).rows
    SiteFactory(name="Tampa", slug="tampa", state="FL")  # created by someone meanwhile
    with pytest.raises(ValidationError, match="Row 3"):
        sites_onboard_bulk(acting_user=admin, rows=rows)
    assert not Site.objects.filter(name="Springfield").exists()


def test_us_style_dates_are_read_as_month_day_year(people):
    row = parse_onboarding_csv(csv_bytes(GOOD.replace("2025-01-06", "01/06/2025"))).rows[0]
    assert row.start == dt.date(2025, 1, 6)


# --- manage.py onboard_sites ---------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("onboard_sites", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_onboards_the_sample_file(people, admin):
    out, _ = run(str(SAMPLE), "--as", admin.email)
    assert "Onboarded 5 site(s)." in out
    assert Site.objects.filter(cohort__year=2024).count() == 5


def test_command_prints_the_same_report_and_fails_without_creating_anything(
    people, admin, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(GOOD, "Tampa,FL,city,2024,someday,pm@psp.example,,"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("onboard_sites", str(bad), "--as", admin.email, stderr=err)
    assert "Row 3, column “start_date” (value “someday”): Not a date" in err.getvalue()
    assert not Site.objects.filter(name="Springfield").exists()


def test_command_dry_run_validates_only(people, admin):
    out, _ = run(str(SAMPLE), "--as", admin.email, "--dry-run")
    assert "dry run" in out
    assert Site.objects.count() == 0


@pytest.mark.parametrize("who", ["pm", "auditor", "liaison_a", "outsider", "nobody"])
def test_command_refuses_anyone_but_an_admin(cast, who):
    email = cast[who].email if who in cast else "nobody@example.gov"
    with pytest.raises(CommandError, match="not an active PSP administrator"):
        run(str(SAMPLE), "--as", email)
    assert Site.objects.filter(cohort__year=2024, name="Tampa").count() == 0


def test_command_reports_a_missing_file(admin):
    with pytest.raises(CommandError, match="Cannot read"):
        run("/no/such/file.csv", "--as", admin.email)
