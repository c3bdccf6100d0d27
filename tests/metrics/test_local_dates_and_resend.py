"""Incident times land on the site's local date (docs/metrics.md §7.6), a file mixing times
with and without an offset is refused naming row and column, and a file refused for its options
can be sent again with corrected options."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics import services
from metrics.models import Incident, Upload
from tests.factories import SiteFactory
from tests.metrics.conftest import as_file

pytestmark = pytest.mark.django_db

HEADER = "id,date,offense\n"


@pytest.fixture
def pacific(db):
    return SiteFactory(name="Tacoma", slug="tacoma", state="WA")


@pytest.fixture
def eastern(db):
    return SiteFactory(name="Newark", slug="newark", state="NJ")


def stored(site) -> dict[str, tuple[dt.date, dt.datetime | None]]:
    return {
        i.external_id: (i.occurred_on, i.occurred_at)
        for i in Incident.objects.filter(site=site).order_by("external_id")
    }


def send(site, user, content: str, kind: str = "incidents", **options) -> Upload:
    return services.upload_receive(
        site=site, kind=kind, file=as_file(content, "i.csv"), acting_user=user, **options
    )


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_the_new_years_eve_shooting_stays_in_2017_for_a_pacific_site(pacific, pm, run_import):
    run_import(pacific, pm, HEADER + "A1,2017-12-31T22:30-08:00,robbery\n", kind="incidents")
    # 22:30 at −08:00 is 06:30 UTC on Jan 1; in Tacoma it is still Dec 31.
    assert stored(pacific) == {"A1": (dt.date(2017, 12, 31), utc(2018, 1, 1, 6, 30))}


def test_one_instant_gives_each_site_its_own_local_date(pacific, eastern, pm, run_import):
    rows = HEADER + "B1,2018-01-01T05:30:00Z,robbery\nB2,2018-01-01T04:30:00+00:00,robbery\n"
    run_import(pacific, pm, rows, kind="incidents")
    run_import(eastern, pm, rows, kind="incidents", name="copy.csv")
    # Hand conversion: 05:30Z is 21:30 PST Dec 31 and 00:30 EST Jan 1; 04:30Z is 20:30 PST and
    # 23:30 EST, both Dec 31.
    assert {k: v[0] for k, v in stored(pacific).items()} == {
        "B1": dt.date(2017, 12, 31),
        "B2": dt.date(2017, 12, 31),
    }
    assert {k: v[0] for k, v in stored(eastern).items()} == {
        "B1": dt.date(2018, 1, 1),
        "B2": dt.date(2017, 12, 31),
    }


def test_offsets_convert_across_the_daylight_saving_changes(pacific, pm, run_import):
    # Los Angeles: PST (−8) until 2018-03-11 10:00 UTC, PDT (−7) until 2018-11-04 09:00 UTC.
    rows = (
        HEADER
        + "C1,2018-03-11T09:30Z,robbery\n"  # 01:30 PST, Mar 11
        + "C2,2018-03-11T10:30Z,robbery\n"  # 03:30 PDT, Mar 11
        + "C3,2018-11-04T06:30Z,robbery\n"  # 23:30 PDT, Nov 3
        + "C4,2018-11-04T07:30Z,robbery\n"  # 00:30 PDT, Nov 4
        + "C5,2018-11-05T07:30Z,robbery\n"  # 23:30 PST, Nov 4
        + "C6,2018-07-01T06:59:59Z,robbery\n"  # 23:59:59 PDT, Jun 30: the month boundary
    )
    run_import(pacific, pm, rows, kind="incidents")
    got = stored(pacific)
    assert {k: v[0] for k, v in got.items()} == {
        "C1": dt.date(2018, 3, 11),
        "C2": dt.date(2018, 3, 11),
        "C3": dt.date(2018, 11, 3),
        "C4": dt.date(2018, 11, 4),
        "C5": dt.date(2018, 11, 4),
        "C6": dt.date(2018, 6, 30),
    }
    assert got["C2"][1] == utc(2018, 3, 11, 10, 30)
    assert got["C5"][1] == utc(2018, 11, 5, 7, 30)


def test_times_without_an_offset_are_the_sites_local_time(pacific, pm, run_import):
    rows = (
        HEADER + "D1,2017-12-31 22:30,robbery\nD2,2018-07-04 21:15,robbery\nD3,2018-02-01,robbery\n"
    )
    run_import(pacific, pm, rows, kind="incidents")
    got = stored(pacific)
    assert got["D1"] == (dt.date(2017, 12, 31), utc(2018, 1, 1, 6, 30))  # PST, +8 h
    assert got["D2"] == (dt.date(2018, 7, 4), utc(2018, 7, 5, 4, 15))  # PDT, +7 h
    assert got["D3"] == (dt.date(2018, 2, 1), None)  # a date alone has no time


def test_an_edited_time_zone_changes_how_later_files_are_read(pacific, pm, run_import):
    pacific.time_zone = "America/New_York"
    pacific.save()
    run_import(pacific, pm, HEADER + "E1,2017-12-31T22:30-08:00,robbery\n", kind="incidents")
    assert stored(pacific)["E1"][0] == dt.date(2018, 1, 1)  # 01:30 in New York


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            "F1,2018-01-05T10:00-08:00,robbery\nF2,2018-01-06 10:00,robbery\n"
            "F3,2018-01-07,robbery\nF4,2018-01-08 11:00,robbery\n",
            [(3, "has no time-zone offset, but row 2 has one"), (5, "row 2 has one")],
        ),
        (
            "G1,2018-01-05 10:00,robbery\nG2,2018-01-06T10:00Z,robbery\n",
            [(3, "has a time-zone offset, but row 2 has none")],
        ),
    ],
    ids=["offset first", "naive first"],
)
def test_a_file_mixing_offsets_and_local_times_is_refused_by_row_and_column(
    pacific, pm, rows, expected
):
    upload = send(pacific, pm, HEADER + rows)
    assert upload.status == "invalid"
    found = [(e["row"], e["column"], e["message"]) for e in upload.errors]
    assert [(r, c) for r, c, _ in found] == [(r, "date") for r, _ in expected]
    for (_, words), (_, _, message) in zip(expected, found, strict=True):
        assert words in message
    assert not Incident.objects.filter(site=pacific).exists()


def test_the_mixture_is_found_across_chunks(pacific, pm, settings):
    settings.PSP_IMPORT_CHUNK_ROWS = 2
    rows = "".join(f"H{i},2018-01-0{i} 10:00,robbery\n" for i in range(1, 6))
    rows += "H9,2018-01-09T10:00-08:00,robbery\n"
    upload = send(pacific, pm, HEADER + rows)
    assert [(e["row"], e["column"]) for e in upload.errors] == [(7, "date")]


def test_a_file_refused_for_its_coverage_is_checked_again_with_the_corrected_one(
    pacific, pm, django_capture_on_commit_callbacks
):
    content = HEADER + "J1,2023-03-05,robbery\nJ2,2023-04-07,robbery\n"
    first = send(
        pacific, pm, content, coverage_start=dt.date(2023, 1, 1), coverage_end=dt.date(2023, 3, 1)
    )
    assert first.status == "invalid"
    assert "outside the coverage" in first.errors[0]["message"]
    again = send(
        pacific, pm, content, coverage_start=dt.date(2023, 1, 1), coverage_end=dt.date(2023, 4, 1)
    )
    assert again.pk == first.pk
    assert again.status == "validated"
    assert again.errors == []
    assert (again.coverage_start, again.coverage_end) == (dt.date(2023, 1, 1), dt.date(2023, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=again, acting_user=pm)
    assert Upload.objects.get(pk=first.pk).status == "imported"
    assert Incident.objects.filter(site=pacific).count() == 2


def test_a_file_refused_for_its_column_mapping_is_checked_again_with_a_new_mapping(pacific, pm):
    content = "ref,when,what\nK1,2023-03-05,robbery\n"
    first = send(pacific, pm, content)
    assert first.status == "invalid"
    again = send(
        pacific, pm, content, mapping={"ref": "external_id", "when": "date", "what": "offense"}
    )
    assert (again.pk, again.status) == (first.pk, "validated")


def test_a_file_sent_as_the_wrong_kind_can_be_sent_as_the_right_one(pacific, pm):
    content = HEADER + "L1,2023-03-05,robbery\n"
    first = send(pacific, pm, content, kind="monthly_counts")
    assert first.status == "invalid"
    again = send(pacific, pm, content)
    assert (again.pk, again.kind, again.status) == (first.pk, "incidents", "validated")


def test_a_failed_import_can_be_sent_again(pacific, pm):
    content = HEADER + "M1,2023-03-05,robbery\n"
    first = send(pacific, pm, content)
    services.upload_mark_failed(upload_id=first.pk, reason="The database was unavailable.")
    again = send(pacific, pm, content)
    assert (again.pk, again.status, again.failure) == (first.pk, "validated", "")


@pytest.mark.parametrize("status", ["validated", "queued", "importing", "imported"])
def test_a_file_imported_or_on_its_way_is_still_already_uploaded(pacific, pm, status):
    content = HEADER + "N1,2023-03-05,robbery\n"
    first = send(pacific, pm, content)
    Upload.objects.filter(pk=first.pk).update(status=status)
    with pytest.raises(services.DuplicateUpload) as exc:
        send(
            pacific,
            pm,
            content,
            coverage_start=dt.date(2023, 3, 1),
            coverage_end=dt.date(2023, 3, 1),
        )
    assert "already uploaded" in exc.value.messages[0]
    assert Upload.objects.get(pk=first.pk).status == status
