"""Loading the national comparison pool and linking sites to it (docs/metrics.md §8.1, §9.6):
what an admin sees from ``load_comparison_pool`` and ``link_comparison_place``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from metrics.models import ComparisonCount, ComparisonLink, ComparisonPlace, ComparisonPool
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "incident_id,date,state,city_or_county,n_killed,n_injured,latitude,longitude,"
    "incident_characteristics\n"
)
ROWS = [
    "1,2014-01-03,Maryland,Baltimore,1,0,39.29,-76.61,Shot - Dead (murder)",
    "2,2014-01-09,Maryland,Baltimore,0,2,39.30,-76.62,Shot - Wounded/Injured",
    "3,2014-02-11,Maryland,Baltimore,0,0,39.31,-76.60,Shots Fired - No Injuries",
    "4,2014-02-12,Kansas,Wichita,0,1,37.69,-97.33,Shot - Wounded/Injured",
    "5,2014-03-01,Kansas,Wichita,0,0,,,Non-Shooting Incident",
    "6,2014-03-20,Kansas,Wichita,2,1,37.70,-97.34,Shot - Dead (murder)",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "pool.csv"
    path.write_text(header + "\n".join(rows) + "\n")
    return path


def load(path: Path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_comparison_pool", str(path), stdout=out)
    return out.getvalue()


def test_the_pool_loads_as_monthly_counts_with_populations(tmp_path):
    out = load(write(tmp_path, ROWS))
    assert "Loaded 6 incidents, 2 places" in out
    assert "Jan 2014–Mar 2014" in out
    baltimore = ComparisonPlace.objects.get(state="Maryland", name="Baltimore")
    assert baltimore.state_code == "MD"
    assert baltimore.population and baltimore.population > 500_000  # from the gazetteer
    counts = {
        (c.place.name, f"{c.month:%Y-%m}", c.offense): c.count
        for c in ComparisonCount.objects.select_related("place")
    }
    assert counts == {
        ("Baltimore", "2014-01", "fatal_shooting_incidents"): 1,
        ("Baltimore", "2014-01", "nonfatal_shooting_incidents"): 1,
        ("Baltimore", "2014-02", "shots_fired"): 1,
        ("Wichita", "2014-02", "nonfatal_shooting_incidents"): 1,
        ("Wichita", "2014-03", "fatal_shooting_incidents"): 1,
    }
    pool = ComparisonPool.objects.get()
    assert (pool.coverage_start, pool.coverage_end) == (dt.date(2014, 1, 1), dt.date(2014, 3, 31))


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, ROWS)
    load(path)
    ids = list(ComparisonCount.objects.order_by("id").values_list("id", flat=True))
    out = load(path)
    assert "nothing to do" in out
    assert list(ComparisonCount.objects.order_by("id").values_list("id", flat=True)) == ids


def test_a_new_file_replaces_the_counts_and_keeps_links(tmp_path):
    load(write(tmp_path, ROWS))
    site = SiteFactory(name="Baltimore", state="MD")
    call_command("link_comparison_place", site=site.slug, state="Maryland", place="Baltimore")
    load(write(tmp_path, ROWS[:2]))
    assert ComparisonCount.objects.count() == 2
    assert ComparisonLink.objects.get(site=site).place.name == "Baltimore"


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        (ROWS, HEADER.replace("n_injured,", ""), "column 'n_injured' is missing"),
        (
            [*ROWS[:2], "3,2014-02-31,Maryland,Baltimore,0,0,,,x"],
            HEADER,
            "row 4, column 'date': not a date",
        ),
        ([*ROWS, "2,2014-01-09,Kansas,Wichita,0,1,,,x"], HEADER, "row 8, column 'incident_id'"),
        ([*ROWS, "9,2014-01-09,Kansas,Wichita,-1,1,,,x"], HEADER, "row 8, column 'n_killed'"),
        ([*ROWS, "10,2014-01-09,Kansas,,0,1,,,x"], HEADER, "row 8, column 'city_or_county'"),
    ],
)
def test_a_bad_file_is_refused_naming_row_and_column_with_nothing_loaded(
    tmp_path, rows, header, expected
):
    with pytest.raises(CommandError) as info:
        load(write(tmp_path, rows, header))
    assert expected in str(info.value)
    assert "nothing was loaded" in str(info.value)
    assert not ComparisonPool.objects.exists()
    assert not ComparisonCount.objects.exists()
    assert not ComparisonPlace.objects.exists()


def test_linking_a_site_to_a_place_absent_from_the_pool_is_a_clear_error(tmp_path):
    site = SiteFactory(name="Baltimore", state="MD")
    with pytest.raises(CommandError, match="No comparison pool is loaded"):
        call_command("link_comparison_place", site=site.slug, state="Maryland", place="Baltimore")
    load(write(tmp_path, ROWS))
    with pytest.raises(CommandError, match="'Baltimore City' in 'Maryland' is not in the"):
        call_command(
            "link_comparison_place", site=site.slug, state="Maryland", place="Baltimore City"
        )
    assert not ComparisonLink.objects.exists()
    call_command("link_comparison_place", site=site.slug, state="md", place="baltimore")
    assert ComparisonLink.objects.get(site=site).place.name == "Baltimore"


def test_an_admin_links_a_site_from_its_page(tmp_path, client_for, admin, pm):
    load(write(tmp_path, ROWS))
    site = SiteFactory(name="Baltimore", state="MD", program_manager=pm)
    url = f"/sites/{site.slug}/comparison/"
    assert client_for(pm).get(url).status_code == 403
    page = client_for(admin).get(url).content.decode()
    assert "Suggested from its state and name" in page
    assert "<strong>Baltimore, Maryland</strong>" in page
    missing = client_for(admin).post(url, {"state": "Maryland", "place": "Baltimore City"})
    assert "is not in the comparison pool" in missing.content.decode()
    assert not ComparisonLink.objects.exists()
    done = client_for(admin).post(url, {"state": "MD", "place": "Baltimore"})
    assert done.status_code == 302
    assert ComparisonLink.objects.get(site=site).linked_by == admin
    detail = client_for(admin).get(f"/sites/{site.slug}/").content.decode()
    assert "Comparison pool place: <strong>Baltimore, Maryland</strong>" in detail
