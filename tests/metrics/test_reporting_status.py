"""The completeness and timeliness table: due days across month ends and leap years, states,
the schedule's defaults, the command's JSON contract and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics.models import MonthlyCount, MonthReview, Offense, ReportingSchedule, Upload
from metrics.selectors.reporting import (
    due_on,
    ended_months,
    late_site_ids,
    reporting_status,
    site_totals,
    state_of,
)
from tests.factories import SiteFactory

D = dt.date


@pytest.mark.parametrize(
    ("month", "days", "due"),
    [
        (D(2026, 1, 1), 30, D(2026, 3, 2)),  # Jan 31 + 30: across February (28 days)
        (D(2028, 1, 1), 30, D(2028, 3, 1)),  # leap year: February has 29 days
        (D(2024, 2, 1), 0, D(2024, 2, 29)),  # due on the month's last day, leap year
        (D(2023, 2, 1), 0, D(2023, 2, 28)),
        (D(2025, 12, 1), 30, D(2026, 1, 30)),  # across the year end
        (D(2026, 4, 1), 30, D(2026, 5, 30)),  # a 30-day month
    ],
)
def test_due_day_counts_from_the_months_last_day(month, days, due):
    assert due_on(month, days) == due


def test_states_on_the_due_day_and_the_day_after():
    due = D(2024, 2, 29)
    assert state_of(D(2024, 2, 29), due, D(2024, 5, 1)) == "on_time"
    assert state_of(D(2024, 3, 1), due, D(2024, 5, 1)) == "late"
    assert state_of(None, due, D(2024, 2, 29)) == "not_due"  # still due today
    assert state_of(None, due, D(2024, 3, 1)) == "missing"


def test_only_months_that_have_ended_are_expected():
    assert ended_months(D(2025, 11, 1), D(2026, 2, 28)) == [
        D(2025, 11, 1),
        D(2025, 12, 1),
        D(2026, 1, 1),
    ]
    assert ended_months(D(2025, 11, 1), D(2026, 3, 1))[-1] == D(2026, 2, 1)
    assert ended_months(D(2026, 3, 1), D(2026, 3, 31)) == []


def _received(site, month: dt.date, code: str, on: dt.date, count: int = 5) -> MonthlyCount:
    at = timezone.make_aware(dt.datetime.combine(on, dt.time(12)))
    return MonthlyCount.objects.create(
        site=site,
        month=month,
        offense=Offense.objects.get(code=code),
        count=count,
        first_count=count,
        created_at=at,
        updated_at=at,
    )


JAN_2026 = D(2026, 1, 1)


def _schedule(site, codes, *, due_days=30, start=JAN_2026, incidents=False):
    schedule = ReportingSchedule.objects.create(
        site=site, due_days=due_days, reporting_from=start, incidents_expected=incidents
    )
    schedule.offenses.set(Offense.objects.filter(code__in=codes))
    return schedule


@pytest.mark.django_db
def test_expected_received_on_time_late_missing_not_due(site_a):
    _schedule(site_a, ["robbery", "homicide"])
    _received(site_a, D(2026, 1, 1), "robbery", D(2026, 2, 10))  # due Mar 2: on time
    _received(site_a, D(2026, 1, 1), "homicide", D(2026, 3, 3))  # a day late
    _received(site_a, D(2026, 2, 1), "robbery", D(2026, 3, 30))  # due Mar 30: on the day
    _received(site_a, D(2026, 2, 1), "burglary", D(2026, 3, 1))  # sent though not expected
    MonthReview.objects.create(site=site_a, month=D(2026, 1, 1), state="approved")
    rows = reporting_status([site_a], as_of=D(2026, 4, 15))
    got = {
        (r.month.month, r.offense): (r.expected, r.received_on, r.due_on, r.state, r.approval)
        for r in rows
    }
    assert got == {
        (1, "homicide"): (True, D(2026, 3, 3), D(2026, 3, 2), "late", "approved"),
        (1, "robbery"): (True, D(2026, 2, 10), D(2026, 3, 2), "on_time", "approved"),
        (2, "homicide"): (True, None, D(2026, 3, 30), "missing", None),
        (2, "robbery"): (True, D(2026, 3, 30), D(2026, 3, 30), "on_time", None),
        (2, "burglary"): (False, D(2026, 3, 1), D(2026, 3, 30), "on_time", None),
        (3, "homicide"): (True, None, D(2026, 4, 30), "not_due", None),
        (3, "robbery"): (True, None, D(2026, 4, 30), "not_due", None),
    }
    (totals,) = site_totals(rows)
    assert (totals.expected, totals.received, totals.on_time, totals.late, totals.missing) == (
        6,
        3,
        2,
        1,
        1,
    )
    assert late_site_ids(rows) == {site_a.pk}


@pytest.mark.django_db
def test_a_site_that_sent_everything_on_time_is_not_late(site_a):
    _schedule(site_a, ["robbery"])
    for m in (1, 2):
        _received(site_a, D(2026, m, 1), "robbery", D(2026, m + 1, 5))
    rows = reporting_status([site_a], as_of=D(2026, 3, 20))
    assert [r.state for r in rows] == ["on_time", "on_time"]
    assert late_site_ids(rows) == set()


@pytest.mark.django_db
def test_incident_records_are_received_when_a_file_covering_the_month_finished(site_a, pm):
    _schedule(site_a, [], incidents=True, start=D(2026, 1, 1))
    finished = timezone.make_aware(dt.datetime(2026, 2, 20, 9))
    Upload.objects.create(
        site=site_a,
        kind="incidents",
        original_name="rms.csv",
        sha256="a" * 64,
        status="imported",
        coverage_start=D(2026, 1, 1),
        coverage_end=D(2026, 1, 1),
        finished_at=finished,
    )
    rows = reporting_status([site_a], as_of=D(2026, 3, 31))
    assert [(r.month.month, r.offense, r.received_on, r.state) for r in rows] == [
        (1, "incidents", D(2026, 2, 20), "on_time"),
        (2, "incidents", None, "missing"),  # Feb 28 + 30 days = Mar 30, before Mar 31
    ]


@pytest.mark.django_db
def test_without_a_schedule_the_reported_offenses_are_expected_from_the_first_report():
    site = SiteFactory(engagement_start=D(2025, 6, 15))
    _received(site, D(2026, 1, 1), "robbery", D(2026, 2, 1))
    _received(site, D(2026, 3, 1), "homicide", D(2026, 4, 1))
    rows = reporting_status([site], as_of=D(2026, 4, 10))
    assert [(r.month.month, r.offense, r.state) for r in rows] == [
        (1, "homicide", "missing"),
        (1, "robbery", "on_time"),
        (2, "homicide", "missing"),  # Feb due Mar 30
        (2, "robbery", "missing"),
        (3, "homicide", "on_time"),
        (3, "robbery", "not_due"),  # Mar due Apr 30
    ]


@pytest.mark.django_db
def test_a_stored_schedule_without_a_first_month_starts_at_the_engagement():
    site = SiteFactory(engagement_start=D(2026, 1, 15))
    _schedule(site, ["robbery"], start=None)
    rows = reporting_status([site], as_of=D(2026, 3, 10))
    assert [(r.month.month, r.state) for r in rows] == [(1, "missing"), (2, "not_due")]


@pytest.mark.django_db
def test_a_site_with_no_schedule_no_start_and_no_data_is_left_out():
    site = SiteFactory(engagement_start=None)
    assert reporting_status([site], as_of=D(2026, 3, 10)) == []


def _portfolio(n_sites: int, n_months: int) -> list:
    sites = [SiteFactory(engagement_start=D(2025, 1, 1)) for _ in range(n_sites)]
    for site in sites:
        _schedule(site, ["robbery", "homicide"], start=D(2025, 1, 1), incidents=True)
        for i in range(n_months):
            month = D(2025 + i // 12, i % 12 + 1, 1)
            _received(site, month, "robbery", month + dt.timedelta(days=40))
            MonthReview.objects.create(site=site, month=month, state="submitted")
    return sites


@pytest.mark.django_db
def test_query_count_does_not_grow_with_sites_or_months():
    small = _portfolio(2, 3)
    with CaptureQueriesContext(connection) as few:
        assert reporting_status(small, as_of=D(2025, 6, 1))
    large = small + _portfolio(6, 12)
    with CaptureQueriesContext(connection) as many:
        rows = reporting_status(large, as_of=D(2026, 6, 1))
    assert len(rows) > 10 * len(reporting_status(small, as_of=D(2025, 6, 1)))
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_command_prints_the_json_contract(site_a):
    _schedule(site_a, ["robbery"])
    _received(site_a, D(2026, 1, 1), "robbery", D(2026, 2, 1))
    MonthReview.objects.create(site=site_a, month=D(2026, 1, 1), state="returned")
    out = io.StringIO()
    call_command(
        "reporting_status",
        "--site",
        site_a.slug,
        "--as-of",
        "2026-03-15",
        "--format",
        "json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data == {
        "as_of": "2026-03-15",
        "sites": [
            {
                "site": "alphaville",
                "month": "2026-01",
                "offense": "robbery",
                "expected": True,
                "received_on": "2026-02-01",
                "due_on": "2026-03-02",
                "state": "on_time",
                "approval": "returned",
            },
            {
                "site": "alphaville",
                "month": "2026-02",
                "offense": "robbery",
                "expected": True,
                "received_on": None,
                "due_on": "2026-03-30",
                "state": "not_due",
                "approval": None,
            },
        ],
    }


@pytest.mark.django_db
def test_command_csv_has_the_same_rows(site_a):
    _schedule(site_a, ["robbery"])
    out = io.StringIO()
    call_command("reporting_status", "--as-of", "2026-03-15", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "site,month,offense,expected,received_on,due_on,state,approval"
    assert lines[1] == "alphaville,2026-01,robbery,true,,2026-03-02,missing,"
