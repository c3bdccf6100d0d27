"""The portfolio: every site the user may see with its clock, TA, data and 12-month trend, the
flags that say where to look, tiles, a map and roll-ups — in a constant number of queries.

The sites come in one query with their per-site aggregates as correlated subqueries; the stored
violent-crime results of all of them in one more; roll-ups by core area in three. Sorting and
filtering by derived values (trend, flags) happen on the loaded rows, so nothing is counted per
site in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dashboards.selectors.common import (
    NO_TA_DAYS,
    STALE_DATA_DAYS,
    VIOLENT,
    Sparkline,
    StoredResult,
    TrendChange,
    month_end,
    month_text,
    quarter_bounds,
    sparkline_from_series,
    trend_from_result,
)
from engagements.models import ActionItem, Activity, CoreArea, Engagement, Milestone
from engagements.models.activities import LIVE_ACTIVITY
from metrics.charts import MapSite, sites_map_dict
from metrics.models import DataQualityFlag, Incident, MetricResult, MonthlyCount, Upload
from metrics.models.quality import FlagStatus
from metrics.models.uploads import UploadStatus
from metrics.selectors.reporting import late_site_ids, reporting_status
from sites.models import ACTIVE_PHASES, PHASE_ORDER, Phase, Site

if TYPE_CHECKING:
    from psp.accounts.models import User

LATE_WINDOW_MONTHS = 6  # the late-reporting flag looks at the months due recently, not all history
FLAGS: dict[str, str] = {
    "stale_data": f"Stale data (> {STALE_DATA_DAYS} days)",
    "no_ta": f"No TA in {NO_TA_DAYS} days",
    "overdue_milestones": "Overdue milestones",
    "data_quality": "Data-quality flags",
    "worsening": "Worsening trend",
    "late_reporting": f"Outcome data past due (last {LATE_WINDOW_MONTHS} months)",
}
# Flag effects that change what a headline reads from a month (docs/metrics.md §7.3).
HEADLINE_EFFECTS = ("missing", "suspect")
PHASE_RANK = {p.value: i for i, p in enumerate([*PHASE_ORDER, Phase.WITHDRAWN])}
SORTS = ("name", "state", "cohort", "phase", "month", "last_ta", "data", "trend", "flags")


@dataclass(frozen=True)
class PortfolioFilters:
    """What the portfolio table is narrowed to, and its order."""

    cohort: int | None = None
    phase: str = ""
    state: str = ""
    program_manager: int | None = None
    flag: str = ""
    q: str = ""
    sort: str = "name"
    # A filter value that is not one of the choices (a mistyped or stale link) matches no site, so
    # the page never shows a silently wider list; the form says which value was refused.
    refused: bool = False


@dataclass
class PortfolioRow:
    """One site's line in the portfolio."""

    site: Site
    clock: str
    month: int | None
    last_ta: dt.date | None
    data_through: dt.date | None
    trend: TrendChange
    overdue_milestones: int
    activities_quarter: int
    hours_quarter: Decimal
    results_at: dt.datetime | None
    results_stale: bool
    flags: list[tuple[str, str]] = field(default_factory=list)
    # Drawn only for the rows on screen (``add_sparklines``): a page shows 50 of the sites.
    sparkline: Sparkline | None = None

    @property
    def flag_keys(self) -> set[str]:
        return {k for k, _ in self.flags}


@dataclass
class Portfolio:
    """Everything the portfolio page shows (rows already filtered and sorted)."""

    rows: list[PortfolioRow]
    all_rows: list[PortfolioRow]
    tiles: dict[str, Any]
    cohorts: list[dict[str, Any]]
    core_areas: list[dict[str, Any]]
    map_chart: dict[str, Any] | None
    quarter: tuple[dt.date, dt.date]
    today: dt.date


def _latest(qs: Any, field_name: str) -> Subquery:
    """The newest value of ``field_name`` among ``qs`` rows of the outer site."""
    return Subquery(
        qs.filter(site=OuterRef("pk")).order_by(f"-{field_name}").values(field_name)[:1]
    )


def _count(qs: Any) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.filter(site=OuterRef("pk"))
            .order_by()
            .values("site")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def annotated_sites(user: User, today: dt.date) -> Any:
    """Sites ``user`` may see with every per-site aggregate the table needs (one query)."""
    q_start, q_end = quarter_bounds(today)
    quarter = Activity.objects.filter(date__gte=q_start, date__lte=q_end)
    hours = Subquery(
        quarter.filter(site=OuterRef("pk"))
        .order_by()
        .values("site")
        .annotate(h=Sum("duration_hours"))
        .values("h")[:1],
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    imported = Upload.objects.filter(status=UploadStatus.IMPORTED)
    return (
        Site.objects.for_user(user)
        .select_related("cohort", "program_manager")
        .annotate(
            last_ta=_latest(Activity.objects.all(), "date"),
            counts_through=_latest(MonthlyCount.objects.all(), "month"),
            incidents_through=_latest(Incident.objects.all(), "occurred_on"),
            data_loaded_at=_latest(imported, "finished_at"),
            results_at=_latest(MetricResult.objects.all(), "computed_at"),
            overdue_ms=_count(
                Milestone.objects.filter(completed_on__isnull=True, due_on__lt=today)
            ),
            # Only open flags that change what a headline reads from a month (a missing month is
            # left out, a suspect one carries a sensitivity line) are a task; DQ4 (inside the
            # reporting lag) clears itself as months settle.
            open_dq=_count(
                DataQualityFlag.objects.filter(
                    status=FlagStatus.OPEN, effect__in=HEADLINE_EFFECTS
                ).exclude(rule="DQ4")
            ),
            activities_q=_count(quarter),
            hours_q=Coalesce(hours, Decimal(0), output_field=DecimalField()),
        )
        .order_by("name")
    )


def violent_results(
    site_ids: list[int], metrics: tuple[str, ...] = ("rolling_12m",)
) -> dict[int, dict[str, StoredResult]]:
    """Stored violent-crime results (``metrics``) by site and metric (one query)."""
    out: dict[int, dict[str, StoredResult]] = {}
    rows = MetricResult.objects.filter(
        site_id__in=site_ids, offense=VIOLENT, metric__in=metrics
    ).values("site_id", "metric", "status", "reason", "value", "flags", "computed_at")
    for r in rows:
        out.setdefault(r["site_id"], {})[r["metric"]] = r
    return out


def _data_through(site: Any) -> dt.date | None:
    months = [site.counts_through, site.incidents_through]
    present = [m.replace(day=1) for m in months if m is not None]
    return max(present, default=None)


def _month_within(site: Site, today: dt.date) -> int | None:
    """Month N of the engagement, or None before it starts and after it ends (the clock then
    reads "Starts …" or "Completed (36 months)", and a month 59 of 36 would contradict it)."""
    month = site.engagement_month(today)
    return month if month is not None and month <= site.engagement_total_months else None


def _row(site: Any, results: dict[str, StoredResult], today: dt.date) -> PortfolioRow:
    through = _data_through(site)
    trend = trend_from_result(results.get("rolling_12m"))
    row = PortfolioRow(
        site=site,
        clock=site.engagement_clock(today),
        month=_month_within(site, today),
        last_ta=site.last_ta,
        data_through=through,
        trend=trend,
        overdue_milestones=site.overdue_ms,
        activities_quarter=site.activities_q,
        hours_quarter=site.hours_q or Decimal(0),
        results_at=site.results_at,
        # A result older than the data it describes is stale (docs/metrics.md §6).
        results_stale=bool(
            site.results_at and site.data_loaded_at and site.results_at < site.data_loaded_at
        ),
    )
    # A site whose engagement has not started has no data or TA due yet: "Starts …", not stale.
    started = site.engagement_start is not None and site.engagement_start <= today
    active = site.phase in ACTIVE_PHASES and started
    if active and (through is None or month_end(through) + dt.timedelta(STALE_DATA_DAYS) < today):
        row.flags.append(("stale_data", FLAGS["stale_data"]))
    if active and (site.last_ta is None or site.last_ta < today - dt.timedelta(NO_TA_DAYS)):
        row.flags.append(("no_ta", FLAGS["no_ta"]))
    if site.overdue_ms:
        row.flags.append(("overdue_milestones", FLAGS["overdue_milestones"]))
    if site.open_dq:
        row.flags.append(("data_quality", FLAGS["data_quality"]))
    if trend.trend == "up":
        row.flags.append(("worsening", FLAGS["worsening"]))
    return row


def _sort(rows: list[PortfolioRow], sort: str) -> list[PortfolioRow]:
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    getters: dict[str, Any] = {
        "name": lambda r: r.site.name.lower(),
        "state": lambda r: r.site.state,
        "cohort": lambda r: r.site.cohort.year,
        "phase": lambda r: PHASE_RANK.get(r.site.phase, 99),
        "month": lambda r: r.month,
        "last_ta": lambda r: r.last_ta,
        "data": lambda r: r.data_through,
        "trend": lambda r: r.trend.sort_z,
        "flags": lambda r: len(r.flags),
    }
    get = getters.get(key, getters["name"])
    rows = sorted(rows, key=lambda r: r.site.name.lower())
    present = [r for r in rows if get(r) is not None]
    absent = [r for r in rows if get(r) is None]
    # Rows without a value (no trend yet) stay at the bottom in either direction.
    return sorted(present, key=get, reverse=desc) + absent


def _matches(row: PortfolioRow, f: PortfolioFilters) -> bool:
    s = row.site
    return (
        not f.refused
        and (not f.cohort or s.cohort.year == f.cohort)
        and (not f.phase or s.phase == f.phase)
        and (not f.state or s.state == f.state)
        and (not f.program_manager or s.program_manager_id == f.program_manager)
        and (not f.flag or f.flag in row.flag_keys)
        and (not f.q or f.q.lower() in s.name.lower())
    )


def all_portfolio_rows(user: User, today: dt.date | None = None) -> list[PortfolioRow]:
    """Every site ``user`` may see, as table rows in name order (two queries)."""
    today = today or timezone.localdate()
    sites = list(annotated_sites(user, today))
    results = violent_results([s.pk for s in sites])
    rows = [_row(s, results.get(s.pk, {}), today) for s in sites]
    _flag_late_reporting(rows, today)
    return rows


def _flag_late_reporting(rows: list[PortfolioRow], today: dt.date) -> None:
    """Flag the active sites with an expected month of the last ``LATE_WINDOW_MONTHS`` past due
    and not received (the completeness report, metrics.selectors.reporting; seven queries)."""
    first = today.replace(day=1)
    for _ in range(LATE_WINDOW_MONTHS + 2):  # months end, then come due: look a little further
        first = (first - dt.timedelta(days=1)).replace(day=1)
    active = [r.site for r in rows if r.site.phase in ACTIVE_PHASES]
    status = reporting_status(active, as_of=today, first_month=first)
    late = late_site_ids(status)
    for r in rows:
        if r.site.pk in late:
            r.flags.append(("late_reporting", FLAGS["late_reporting"]))


def add_sparklines(rows: Any) -> None:
    """Draw the 12-month sparkline of each of ``rows`` from its stored violent-crime
    ``monthly_count`` series (one query, however many rows)."""
    rows = list(rows)
    results = violent_results([r.site.pk for r in rows], ("monthly_count",))
    for r in rows:
        stored = results.get(r.site.pk, {}).get("monthly_count") or {}
        r.sparkline = sparkline_from_series((stored.get("value") or {}).get("series") or [])


def filter_rows(rows: list[PortfolioRow], filters: PortfolioFilters) -> list[PortfolioRow]:
    """The rows matching ``filters``, in the order ``filters.sort`` asks for."""
    return _sort([r for r in rows if _matches(r, filters)], filters.sort)


def filter_choices(rows: list[PortfolioRow]) -> dict[str, list[tuple[int, str]]]:
    """Cohort and program-manager choices from the sites the user can see (no query)."""
    cohorts = {r.site.cohort.year: r.site.cohort.name for r in rows}
    managers = {
        r.site.program_manager.pk: str(r.site.program_manager)
        for r in rows
        if r.site.program_manager is not None
    }
    return {
        "cohorts": sorted(cohorts.items()),
        "managers": sorted(managers.items(), key=lambda kv: kv[1].lower()),
    }


def _tiles(rows: list[PortfolioRow]) -> dict[str, Any]:
    phases = Counter(r.site.phase for r in rows)
    return {
        "sites": len(rows),
        "active": sum(1 for r in rows if r.site.phase in ACTIVE_PHASES),
        "by_phase": [
            (p.label, phases[p.value]) for p in [*PHASE_ORDER, Phase.WITHDRAWN] if phases[p.value]
        ],
        "activities_quarter": sum(r.activities_quarter for r in rows),
        "hours_quarter": sum((r.hours_quarter for r in rows), Decimal(0)),
        "stale_data": sum(1 for r in rows if "stale_data" in r.flag_keys),
        "late_reporting": sum(1 for r in rows if "late_reporting" in r.flag_keys),
        "data_quality": sum(1 for r in rows if "data_quality" in r.flag_keys),
        "flagged": sum(1 for r in rows if r.flags),
    }


def _cohort_rollup(rows: list[PortfolioRow]) -> list[dict[str, Any]]:
    groups: dict[int, dict[str, Any]] = {}
    for r in rows:
        c = r.site.cohort
        g = groups.setdefault(
            c.year,
            {
                "cohort": c,
                "sites": 0,
                "active": 0,
                "activities_quarter": 0,
                "hours_quarter": Decimal(0),
                "flagged": 0,
                "trends": Counter(),
            },
        )
        g["sites"] += 1
        g["active"] += r.site.phase in ACTIVE_PHASES
        g["activities_quarter"] += r.activities_quarter
        g["hours_quarter"] += r.hours_quarter
        g["flagged"] += bool(r.flags)
        g["trends"][r.trend.words] += 1
    for g in groups.values():
        g["trend_text"] = "; ".join(f"{n} {w}" for w, n in sorted(g["trends"].items()))
    return [groups[y] for y in sorted(groups)]


def core_area_rollup(site_ids: list[int], today: dt.date) -> list[dict[str, Any]]:
    """Per core area over ``site_ids``: sites prioritising it, TA this quarter and in the last
    12 months, open and overdue action items (four queries whatever the sizes)."""
    q_start, q_end = quarter_bounds(today)
    year_ago = today - dt.timedelta(days=365)
    areas = list(CoreArea.objects.order_by("order"))
    eng = dict(
        Engagement.objects.filter(site_id__in=site_ids)
        .exclude(status="completed")
        .values("core_area")
        .annotate(n=Count("site", distinct=True))
        .values_list("core_area", "n")
    )
    through = Activity.core_areas.through
    ta = {
        r["corearea"]: r
        # Both windows lie inside the last 12 months: read only those activities (the date
        # index), not every activity the sites ever had.
        for r in through.objects.filter(
            LIVE_ACTIVITY, activity__site_id__in=site_ids, activity__date__gt=year_ago
        )
        .values("corearea")
        .annotate(
            n_q=Count("activity", filter=Q(activity__date__gte=q_start, activity__date__lte=q_end)),
            h_q=Sum(
                "activity__duration_hours",
                filter=Q(activity__date__gte=q_start, activity__date__lte=q_end),
            ),
            n_y=Count("activity", filter=Q(activity__date__gt=year_ago)),
            h_y=Sum("activity__duration_hours", filter=Q(activity__date__gt=year_ago)),
        )
    }
    items = {
        r["engagement__core_area"]: r
        for r in ActionItem.objects.filter(engagement__site_id__in=site_ids)
        .values("engagement__core_area")
        .annotate(
            open=Count("id", filter=~Q(status="complete")),
            overdue=Count("id", filter=~Q(status="complete") & Q(due_on__lt=today)),
            done=Count("id", filter=Q(status="complete")),
        )
    }
    out = []
    for a in areas:
        t: Mapping[str, Any] = ta.get(a.pk, {})
        i: Mapping[str, Any] = items.get(a.pk, {})
        out.append(
            {
                "area": a,
                "sites": eng.get(a.pk, 0),
                "activities_quarter": t.get("n_q") or 0,
                "hours_quarter": t.get("h_q") or Decimal(0),
                "activities_year": t.get("n_y") or 0,
                "hours_year": t.get("h_y") or Decimal(0),
                "open_items": i.get("open") or 0,
                "overdue_items": i.get("overdue") or 0,
                "done_items": i.get("done") or 0,
            }
        )
    return out


def map_chart(rows: list[PortfolioRow]) -> dict[str, Any] | None:
    """The sites map (U.S. topojson served from static/, so it draws offline) with its table."""
    placed = [
        (r, lat, lon)
        for r in rows
        if (lat := r.site.latitude) is not None and (lon := r.site.longitude) is not None
    ]
    if not placed:
        return None
    sites = [
        MapSite(
            name=r.site.name,
            latitude=float(lat),
            longitude=float(lon),
            trend=r.trend.trend,
            detail=f"violent crime, last 12 months vs the 12 before: {r.trend.text}",
        )
        for r, lat, lon in placed
    ]
    return {
        "id": "portfolio-map",
        "figure": sites_map_dict(sites, title="Sites by 12-month violent-crime trend"),
        "title": "Sites by 12-month violent-crime trend",
        "caption": (
            "Source: stored rolling 12-month violent-crime results of each site "
            "(docs/metrics.md D3). "
            "Colour, marker shape and the legend's words all tell the trend: falling or rising "
            "only when |z| ≥ 3; small bases show “too few events”. Each site's data-through "
            "month is in the table."
        ),
        "headers": ["Site", "Trend", "Violent crime, last 12 months vs the 12 before", "As of"],
        "rows": [
            [
                r.site.name,
                f"{r.trend.arrow} {r.trend.words}",
                r.trend.text,
                month_text(r.trend.as_of),
            ]
            for r, _, _ in placed
        ],
        "topojson": True,
    }


def portfolio_dashboard(
    all_rows: list[PortfolioRow], filters: PortfolioFilters, today: dt.date | None = None
) -> Portfolio:
    """The portfolio page from the user's rows: filtered table, tiles, map and roll-ups (the
    roll-up by core area reads four aggregates; everything else is already loaded)."""
    today = today or timezone.localdate()
    rows = filter_rows(all_rows, filters)
    return Portfolio(
        rows=rows,
        all_rows=all_rows,
        tiles=_tiles(rows),
        cohorts=_cohort_rollup(rows),
        core_areas=core_area_rollup([r.site.pk for r in rows], today),
        map_chart=map_chart(rows),
        quarter=quarter_bounds(today),
        today=today,
    )
