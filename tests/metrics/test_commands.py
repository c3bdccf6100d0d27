"""manage.py import_monthly_counts and import_incidents."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from metrics.models import Incident, MonthlyCount
from tests.metrics.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_import_monthly_counts_prints_a_summary(site_a, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("month,offense,count\n2024-01,robbery,10\n2024-02,robbery,1200\n")
    out = io.StringIO()
    call_command("import_monthly_counts", "--site", site_a.slug, str(path), stdout=out)
    text = out.getvalue()
    assert "Rows read: 2; imported: 2 (2 added, 0 revised, 0 unchanged); rejected: 0." in text
    assert MonthlyCount.objects.filter(site=site_a).count() == 2


def test_import_monthly_counts_exits_non_zero_with_the_error_report(site_a, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("month,offense,count\n2024-01,robbery,-3\n2024-13,robbery,1\n")
    with pytest.raises(CommandError) as exc:
        call_command("import_monthly_counts", "--site", site_a.slug, str(path))
    text = str(exc.value)
    assert "row 2, column “count” (value “-3”): cannot be negative." in text
    assert "row 3, column “month” (value “2024-13”): is not a month" in text
    assert MonthlyCount.objects.count() == 0


def test_import_incidents_with_the_gva_preset_and_coverage(site_a):
    out = io.StringIO()
    call_command(
        "import_incidents",
        "--site",
        site_a.slug,
        "--preset",
        "gva",
        "--coverage-start",
        "2016-01",
        "--coverage-end",
        "2017-12",
        str(FIXTURES / "gva_tampa_2016_2017.csv"),
        stdout=out,
    )
    assert "imported: 240 (240 added" in out.getvalue()
    assert Incident.objects.filter(site=site_a, source="gva").count() == 240


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "nowhere", "x.csv"], "No site with the slug"),
        (["--site", "alphaville", "/no/such/file.csv"], "No file at"),
        (["--site", "alphaville", "--coverage-start", "2024/01", "f"], "must be a month"),
    ],
)
def test_import_incidents_explains_bad_arguments(site_a, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_incidents", *args)


def test_the_same_file_twice_from_the_command_line_is_refused(site_a, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("month,offense,count\n2024-01,robbery,10\n")
    call_command("import_monthly_counts", "--site", site_a.slug, str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="already uploaded"):
        call_command("import_monthly_counts", "--site", site_a.slug, str(path))
