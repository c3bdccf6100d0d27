"""Completeness and timeliness of the sites' reporting: for every site × month × offense a site's
schedule expects (or that it sent anyway), when it arrived, when it was due and where the month
stands in review (docs/metrics.md §10).

One table backs the report page, its exports, the portfolio's late-sites tile and flag, and
``manage.py reporting_status``. It is read in a constant number of queries whatever the number
of sites and months: the schedules, the counts received, the incident uploads and the reviews
each in one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Min
from django.utils import timezone

from metrics.models import (
    DEFAULT_DUE_DAYS,
    MonthlyCount,
    MonthReview,
    ReportingSchedule,
    ReviewState,
    Upload,
    UploadKind,
    UploadStatus,
)
from metrics.offenses import OFFENSE_ORDER
from sites.models import Site

INCIDENTS = "incidents"  # the "offense" of a row about the incident records
STATES = ("on_time", "late", "missing", "not_due")
STATE_LABELS = {
    "on_time": "On time",
    "late": "Late",
    "missing": "Missing",
    "not_due": "Not due yet",
}
COLUMNS = (
    "site",
    "month",
    "offense",
    "expected",
    "received_on",
    "due_on",
    "state",
    "approval",
)


@dataclass(frozen=True)
class Schedule:
    """A site's reporting schedule as the report applies it (the stored one or the defaults)."""

    due_days: int
    offenses: tuple[str, ...]
    incidents_expected: bool
    reporting_from: dt.date | None
    is_default: bool


@dataclass(frozen=True)
class StatusRow:
    """One site × month × offense line of the completeness and timeliness table."""

    site: Site
    month: dt.date
    offense: str
    expected: bool
    received_on: dt.date | None
    due_on: dt.date
    state: str
    approval: str | None

    def as_json(self) -> dict[str, Any]:
        """The row as ``reporting_status --format json`` prints it."""
        return {
            "site": self.site.slug,
            "month": self.month.strftime("%Y-%m"),
            "offense": self.offense,
            "expected": self.expected,
            "received_on": self.received_on.isoformat() if self.received_on else None,
            "due_on": self.due_on.isoformat(),
            "state": self.state,
            "approval": self.approval,
        }


def month_last_day(month: dt.date) -> dt.date:
    """The last day of ``month``'s month (28, 29, 30 or 31)."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def due_on(month: dt.date, due_days: int) -> dt.date:
    """The day a month's data is due: ``due_days`` after the month's last day."""
    return month_last_day(month) + dt.timedelta(days=due_days)


def state_of(received_on: dt.date | None, due: dt.date, as_of: dt.date) -> str:
    """``on_time`` or ``late`` once received; ``missing`` past the due day; else ``not_due``."""
    if received_on is not None:
        return "on_time" if received_on <= due else "late"
    return "missing" if as_of > due else "not_due"


def ended_months(first: dt.date, as_of: dt.date) -> list[dt.date]:
    """First days of the months from ``first`` whose last day is before ``as_of``."""
    out: list[dt.date] = []
    month = first.replace(day=1)
    while month_last_day(month) < as_of:
        out.append(month)
        month = month_last_day(month) + dt.timedelta(days=1)
    return out


def schedule_for(
    site: Site, stored: ReportingSchedule | None, offenses: Sequence[str], first_reported: Any
) -> Schedule:
    """The schedule of ``site``: the stored one (its first month defaulting to the engagement's
    start), or the defaults — counts due 30 days after month end, the offenses the site has
    reported expected from the first month it reported, no incident records expected. The
    defaults never call a site late for months before it started reporting."""
    if stored is not None:
        return Schedule(
            due_days=stored.due_days,
            offenses=tuple(offenses),
            incidents_expected=stored.incidents_expected,
            reporting_from=stored.reporting_from
            or (site.engagement_start.replace(day=1) if site.engagement_start else None),
            is_default=False,
        )
    return Schedule(
        due_days=DEFAULT_DUE_DAYS,
        offenses=tuple(offenses),
        incidents_expected=False,
        reporting_from=first_reported,
        is_default=True,
    )


def _ordered(codes: Iterable[str]) -> tuple[str, ...]:
    rank = {c: i for i, c in enumerate(OFFENSE_ORDER)}
    return tuple(sorted(set(codes), key=lambda c: (rank.get(c, 99), c)))


def schedules(sites: Sequence[Site]) -> dict[int, Schedule]:
    """The schedule of each of ``sites`` (three queries)."""
    ids = [s.pk for s in sites]
    stored = {r.site_id: r for r in ReportingSchedule.objects.filter(site_id__in=ids)}
    expected: dict[int, list[str]] = defaultdict(list)
    through = ReportingSchedule.offenses.through.objects.filter(reportingschedule__site_id__in=ids)
    for site_id, code in through.values_list("reportingschedule__site_id", "offense__code"):
        expected[site_id].append(code)
    reported: dict[int, list[str]] = defaultdict(list)
    first: dict[int, dt.date] = {}
    rows = (
        MonthlyCount.objects.filter(site_id__in=ids)
        .order_by()
        .values_list("site_id", "offense__code")
        .annotate(first=Min("month"))
    )
    for site_id, code, month in rows:
        reported[site_id].append(code)
        first[site_id] = min(month, first.get(site_id, month))
    out: dict[int, Schedule] = {}
    for site in sites:
        row = stored.get(site.pk)
        codes = expected[site.pk] if row is not None else reported[site.pk]
        out[site.pk] = schedule_for(site, row, _ordered(codes), first.get(site.pk))
    return out


def reporting_status(
    sites: Sequence[Site],
    *,
    as_of: dt.date | None = None,
    first_month: dt.date | None = None,
    last_month: dt.date | None = None,
) -> list[StatusRow]:
    """The completeness and timeliness table of ``sites`` (already scoped to what the caller may
    see) as of ``as_of`` (today): for each month that has ended, from the site's schedule start
    (or ``first_month``) to ``last_month``, one row per expected offense and per offense received
    though not expected, plus a row for the incident records where they are expected.

    A count is *received* the day it was first stored (revisions do not move it). Incident
    records are received for a month the day the first imported incident file covering it
    finished. Seven queries, whatever the number of sites and months.
    """
    as_of = as_of or timezone.localdate()
    if not sites:
        return []
    ids = [s.pk for s in sites]
    plans = schedules(sites)
    low = first_month.replace(day=1) if first_month else None
    counts = MonthlyCount.objects.filter(site_id__in=ids).order_by()
    if low:
        counts = counts.filter(month__gte=low)
    if last_month:
        counts = counts.filter(month__lte=last_month)
    received: dict[int, dict[tuple[dt.date, str], dt.date]] = defaultdict(dict)
    for site_id, month, code, created in counts.values_list(
        "site_id", "month", "offense__code", "created_at"
    ):
        received[site_id][(month, code)] = timezone.localdate(created)
    incident_files = Upload.objects.filter(
        site_id__in=ids,
        kind=UploadKind.INCIDENTS,
        status=UploadStatus.IMPORTED,
        coverage_start__isnull=False,
        coverage_end__isnull=False,
    ).values_list("site_id", "coverage_start", "coverage_end", "finished_at")
    covered: dict[int, list[tuple[dt.date, dt.date, dt.date]]] = defaultdict(list)
    for site_id, start, end, finished in incident_files:
        if start and end and finished:
            covered[site_id].append((start, end, timezone.localdate(finished)))
    reviews = dict(
        ((site_id, month), state)
        for site_id, month, state in MonthReview.objects.filter(site_id__in=ids).values_list(
            "site_id", "month", "state"
        )
    )
    rows: list[StatusRow] = []
    for site in sites:
        plan = plans[site.pk]
        start = plan.reporting_from
        got = received[site.pk]
        by_month: dict[dt.date, list[str]] = defaultdict(list)
        for m, c in got:
            by_month[m].append(c)
        if start is None:
            start = min(by_month, default=None)
        if start is None:
            continue
        if low and low > start:
            start = low
        for month in ended_months(start, as_of):
            if last_month and month > last_month:
                break
            due = due_on(month, plan.due_days)
            approval = reviews.get((site.pk, month))
            codes = _ordered([*plan.offenses, *by_month.get(month, ())])
            for code in codes:
                on = got.get((month, code))
                rows.append(
                    StatusRow(
                        site=site,
                        month=month,
                        offense=code,
                        expected=code in plan.offenses,
                        received_on=on,
                        due_on=due,
                        state=state_of(on, due, as_of),
                        approval=approval,
                    )
                )
            if plan.incidents_expected:
                on = min(
                    (f for s, e, f in covered[site.pk] if s <= month <= e),
                    default=None,
                )
                rows.append(
                    StatusRow(
                        site=site,
                        month=month,
                        offense=INCIDENTS,
                        expected=True,
                        received_on=on,
                        due_on=due,
                        state=state_of(on, due, as_of),
                        approval=None,
                    )
                )
    return rows


@dataclass(frozen=True)
class SiteCompleteness:
    """One site's totals in the report: expected, received, on time, late, missing."""

    site: Site
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    not_due: int
    approved_months: int
    months: int

    @property
    def on_time_pct(self) -> float | None:
        due = self.on_time + self.late + self.missing
        return 100 * self.on_time / due if due else None


def site_totals(rows: Iterable[StatusRow]) -> list[SiteCompleteness]:
    """Totals per site of the expected rows, in the order the sites first appear."""
    by_site: dict[int, list[StatusRow]] = {}
    for r in rows:
        by_site.setdefault(r.site.pk, []).append(r)
    out = []
    for site_rows in by_site.values():
        exp = [r for r in site_rows if r.expected]
        states = [r.state for r in exp]
        months = {r.month for r in site_rows}
        approved = {r.month for r in site_rows if r.approval == ReviewState.APPROVED}
        out.append(
            SiteCompleteness(
                site=site_rows[0].site,
                expected=len(exp),
                received=sum(1 for r in exp if r.received_on is not None),
                on_time=states.count("on_time"),
                late=states.count("late"),
                missing=states.count("missing"),
                not_due=states.count("not_due"),
                approved_months=len(approved),
                months=len(months),
            )
        )
    return out


def late_site_ids(rows: Iterable[StatusRow]) -> set[int]:
    """Sites with an expected month past due and not received."""
    return {r.site.pk for r in rows if r.expected and r.state == "missing"}
