"""One site's dashboard and brief: everything "how is this site doing?" needs, read from stored
results and database aggregates in a constant number of queries (whatever the number of months,
activities or incidents)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboards.selectors.changes import CHANGE_METRICS, NEAR_REPEAT, SiteChanges, site_changes
from dashboards.selectors.common import (
    VIOLENT,
    Sparkline,
    StoredResult,
    TrendChange,
    month_text,
    months_back,
    sparkline_from_series,
    trend_from_result,
)
from dashboards.selectors.spatial_text import concentration_lines, hot_spot_sentence
from engagements.models import ActionItem, Activity, Milestone
from engagements.models.activities import LIVE_ACTIVITIES, LIVE_ACTIVITY
from engagements.models.plans import MilestoneKind
from metrics.charts import (
    TimeMarker,
    drawn_figure,
    measure_figure,
    monthly_trend_figure,
    rolling_figure,
    stacked_bar_figure,
)
from metrics.engine.hotspot_map import MAX_POINTS
from metrics.models import DataQualityFlag, HotSpotMap, MetricResult, TrustMeasure, Upload
from metrics.models.quality import FlagStatus
from metrics.models.uploads import UploadKind, UploadStatus
from metrics.offenses import offense_label, offense_sort_key
from metrics.selectors.results import SiteMetricsSummary, site_metrics_summary
from psp.core.templatetags.psp import us_date
from sites.models import FEDERAL_AGENCY_KINDS, MembershipRole, Site

if TYPE_CHECKING:
    from psp.accounts.models import User

SPATIAL = ("concentration", "gistar_hotspots", "hot_spot_stability")
TREND_METRICS = ("monthly_count", "rolling_12m")
MARKER_KINDS: dict[str, str] = {  # keyed by MilestoneKind (a str enum): m.kind looks up
    MilestoneKind.ASSESSMENT_VISIT: "Assessment visit",
    MilestoneKind.ASSESSMENT_REPORT: "Assessment report",
    MilestoneKind.STRATEGIC_PLAN: "Strategic plan",
}
STATUS_WORDS = {
    "reported": "Reported",
    "provisional": "Provisional",
    "suspect": "Suspect",
    "missing": "Missing",
}


@dataclass
class SiteDashboard:
    """What the site dashboard (and, in part, the brief) shows."""

    site: Site
    today: dt.date
    summary: SiteMetricsSummary
    offenses: list[tuple[str, str]]
    offense: str
    charts: list[dict[str, Any]] = field(default_factory=list)
    ta_chart: dict[str, Any] | None = None
    hot_chart: dict[str, Any] | None = None
    violent: TrendChange | None = None
    sparkline: Sparkline | None = None
    quality_flags: list[DataQualityFlag] = field(default_factory=list)
    quality_open: int = 0
    ta_by_area: list[dict[str, Any]] = field(default_factory=list)
    ta_totals: dict[str, Any] = field(default_factory=dict)
    federal_partners: list[Any] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    overdue_milestones: list[Milestone] = field(default_factory=list)
    spatial: dict[str, StoredResult] = field(default_factory=dict)
    trust: list[dict[str, Any]] = field(default_factory=list)
    liaisons: list[Any] = field(default_factory=list)
    changes: SiteChanges | None = None

    @property
    def spatial_lines(self) -> list[str]:
        """Hot spots and concentration beside their random-placement null (stored results)."""
        conc = self.spatial.get("concentration")
        if conc is None or conc["status"] != "ok":
            return []
        hot, stability = self.spatial.get("gistar_hotspots"), self.spatial.get("hot_spot_stability")
        return concentration_lines(conc, hot, stability)

    @property
    def brief_headlines(self) -> list[MetricResult]:
        """The headlines a one-page brief has room for."""
        return self.summary.headlines[:3]

    @property
    def brief_caution(self) -> str:
        """The regression-to-the-mean caution, unless every headline shown already ends with it
        (a tier-1 statement never goes out without it)."""
        shown = self.brief_headlines
        if any(getattr(h, "caution_separate", True) for h in shown):
            return str(shown[0].value.get("caution") or "")
        return ""


def _sources(site: Site) -> dict[str, str]:
    """A source line per kind of data, from the imported uploads (one query)."""
    notes: dict[str, list[str]] = defaultdict(list)
    for u in (
        Upload.objects.filter(site=site, status=UploadStatus.IMPORTED)
        .order_by("created_at", "pk")
        .values("kind", "note", "original_name", "is_demo", "source")
    ):
        text = u["note"] or u["original_name"]
        if u["is_demo"] and "demo" not in text.lower():
            text = f"Synthetic demo data ({text})"
        if text not in notes[u["kind"]]:
            notes[u["kind"]].append(text)
    return {k: "; ".join(v) for k, v in notes.items()}


def _source_for(params: dict[str, Any], sources: dict[str, str]) -> str:
    kind = (
        UploadKind.INCIDENTS if params.get("source") == "incidents" else UploadKind.MONTHLY_COUNTS
    )
    text = sources.get(kind) or "site uploads"
    if params.get("source") == "derived":
        text += " — violent crime summed from its four components, only where all are reported"
    if params.get("source") == "incidents":
        text += " — incidents counted by month of occurrence inside the declared coverage"
    return text


def _markers(site: Site, milestones: list[Milestone]) -> list[TimeMarker]:
    out = []
    if site.engagement_start:
        out.append(TimeMarker(f"{site.engagement_start:%Y-%m}", "Engagement start"))
    for m in milestones:
        if m.kind in MARKER_KINDS and m.completed_on:
            out.append(TimeMarker(f"{m.completed_on:%Y-%m}", MARKER_KINDS[m.kind]))
    return out


def caption(source: str, through: dt.date | None, computed: dt.datetime | None, stale: bool) -> str:
    """Every chart's caption: source, data through, computed at (and stale when it is)."""
    when = timezone.localtime(computed) if computed else None
    parts = [
        f"Source: {source}.",
        f"Data through {month_text(through)}.",
        f"Computed {when:%b} {when.day}, {when.year} {when:%H:%M}." if when else "Not computed.",
    ]
    if stale:
        parts.append("Stale: the data changed after this was computed; a recompute is due.")
    return " ".join(parts)


def _trend_charts(
    results: Mapping[str, StoredResult],
    offense: str,
    markers: list[TimeMarker],
    sources: dict[str, str],
    stale: bool,
) -> list[dict[str, Any]]:
    charts = []
    label = offense_label(offense)
    monthly = results.get("monthly_count")
    if monthly is not None:
        series = monthly["value"].get("series") or []
        months = [p["month"] for p in series]
        counts = [p.get("count") for p in series]
        statuses = [p.get("status", "reported") for p in series]
        figure = drawn_figure(
            monthly_trend_figure,
            title=f"{label} per month",
            months=months,
            counts=counts,
            statuses=statuses,
            markers=markers,
        )
        charts.append(
            {
                "id": f"chart-monthly-{offense}",
                "figure": figure,
                "title": f"{label} per month",
                "caption": caption(
                    _source_for(monthly["params"], sources),
                    monthly["data_through"],
                    monthly["computed_at"],
                    stale,
                )
                + " A missing month is a gap in the line, never a zero; provisional and suspect "
                "months are marked.",
                "headers": ["Month", "Count", "Status"],
                "rows": [
                    [
                        month_text(p["month"]),
                        "—" if p.get("count") is None else f"{p['count']:,}",
                        STATUS_WORDS.get(p.get("status", ""), p.get("status", ""))
                        + (" (revised)" if p.get("revised") else ""),
                    ]
                    for p in reversed(series)
                ],
            }
        )
    rolling = results.get("rolling_12m")
    if rolling is not None:
        series = rolling["value"].get("series") or []
        figure = drawn_figure(
            rolling_figure,
            title=f"{label}: rolling 12-month total",
            months=[p["month"] for p in series],
            totals=[p.get("r12") for p in series],
            markers=markers,
        )
        charts.append(
            {
                "id": f"chart-rolling-{offense}",
                "figure": figure,
                "title": f"{label}: rolling 12-month total",
                "caption": caption(
                    _source_for(rolling["params"], sources),
                    rolling["data_through"],
                    rolling["computed_at"],
                    stale,
                )
                + " A window touching a missing, provisional or suspect month has no total.",
                "headers": ["12 months ending", "Total", "Rate per 100,000", "Population of"],
                "rows": [
                    [
                        month_text(p["month"]),
                        "—" if p.get("r12") is None else f"{p['r12']:,}",
                        "—" if p.get("rate_per_100k") is None else f"{p['rate_per_100k']:,.1f}",
                        _population_years(p),
                    ]
                    for p in reversed(series)
                ],
            }
        )
    return charts


def _population_years(point: dict[str, Any]) -> str:
    """The population year(s) a rolling rate used (docs/metrics.md §7.6), "—" without a rate."""
    years = point.get("population_years") or []
    if point.get("rate_per_100k") is None or not years:
        return "—"
    return " and ".join(str(y) for y in years)


def _ta_chart(site: Site, today: dt.date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """TA hours per month by core area over the last 12 months (one aggregate query)."""
    months = months_back(today, 12)
    through = Activity.core_areas.through
    # The ignore: django-stubs' values() misses annotations made on an auto-created through model.
    rows = list(
        through.objects.filter(LIVE_ACTIVITY, activity__site=site, activity__date__gte=months[0])  # type: ignore[misc]
        .annotate(month=TruncMonth("activity__date"))
        .values("month", "corearea__name", "corearea__order")
        .annotate(hours=Sum("activity__duration_hours"), n=Count("activity"))
        .order_by("corearea__order", "month")
    )
    by_area: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
    table = []
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        by_area[r["corearea__name"]][month] = r["hours"] or Decimal(0)
        table.append([month_text(month), r["corearea__name"], r["n"], f"{r['hours']:,.2f}"])
    table.sort(key=lambda row: (dt.datetime.strptime(row[0], "%b %Y"), row[1]))
    figure = drawn_figure(
        stacked_bar_figure,
        title="TA hours per month by core area",
        categories=[month_text(m) for m in months],
        series={area: [float(hours.get(m, 0)) for m in months] for area, hours in by_area.items()},
        y_title="Hours",
    )
    totals = [{"area": area, "hours": sum(h.values(), Decimal(0))} for area, h in by_area.items()]
    chart = {
        "id": "chart-ta",
        "figure": figure,
        "title": "TA hours per month by core area, last 12 months",
        "caption": (
            f"Source: TA activities logged for {site.name}, {month_text(months[0])} – "
            f"{month_text(months[-1])}. Counted from the activity log when this page loaded. "
            "An activity in two core areas counts in both."
        ),
        "headers": ["Month", "Core area", "Activities", "Hours"],
        "rows": table,
    }
    return chart, totals


def _hot_spot_chart(
    site: Site,
    conc: StoredResult,
    stale: bool,
    sources: dict[str, str],
    hot: StoredResult | None = None,
) -> dict[str, Any] | None:
    """The incident map of the stored analysis period, as the engine drew it with the results;
    the statistics beside the map are the stored results. None until a compute has drawn it:
    a page request never aggregates a period's incidents (results stored before the engine
    drew maps get theirs at the next compute, even with unchanged inputs)."""
    value = conc["value"]
    start = dt.date.fromisoformat(value["period_start"])
    end = dt.date.fromisoformat(value["period_end"])
    drawn = HotSpotMap.objects.filter(site=site).first()
    if drawn is None:
        return None
    shown = f" (the {MAX_POINTS:,} most recent drawn)" if drawn.total > MAX_POINTS else ""
    return {
        "id": "chart-hotspots",
        "figure": drawn.figure,
        "title": "Incidents and their densest cells",
        "caption": caption(
            sources.get(UploadKind.INCIDENTS, "incident uploads"),
            conc["data_through"],
            conc["computed_at"],
            stale,
        )
        + f" {drawn.total:,} geocoded incidents, {month_text(start)} – {month_text(end)}{shown}, "
        "on longitude/latitude axes (no map tiles). Highlighted: incidents in the fewest ~150 m "
        f"cells that together hold half of them ({drawn.dense_cells:,} cells)."
        + _hot_spot_null(hot),
        "headers": ["Cell centre (latitude, longitude)", "Incidents", "Among the densest cells"],
        "rows": drawn.cells,
    }


def _hot_spot_null(hot: StoredResult | None) -> str:
    """The Gi* hot-spot count and its random-placement null, for the map's caption (§7.1)."""
    if hot is None or hot["status"] != "ok":
        return ""
    sentence = hot_spot_sentence(hot["value"] or {})
    return f" {sentence}" if sentence else ""


def _trust(site: Site) -> list[dict[str, Any]]:
    """Community-trust series with sample sizes, one chart per measure (one query)."""
    by_measure: dict[str, list[TrustMeasure]] = defaultdict(list)
    for t in TrustMeasure.objects.filter(site=site).order_by("measure", "period_end"):
        by_measure[t.measure].append(t)
    charts = []
    for i, (measure, rows) in enumerate(by_measure.items()):
        figure = drawn_figure(
            measure_figure,
            title=measure,
            periods=[f"{t.period_end:%Y-%m}" for t in rows],
            values=[float(t.value) for t in rows],
            sample_sizes=[t.sample_size for t in rows],
        )
        methods = sorted({t.method for t in rows if t.method})
        charts.append(
            {
                "id": f"chart-trust-{i}",
                "figure": figure,
                "title": measure,
                "caption": (
                    f"Source: trust survey uploads for {site.name}"
                    + (f" ({'; '.join(methods)})" if methods else "")
                    + f". Data through {month_text(rows[-1].period_end)}. Each point is labelled "
                    "with its sample size (n); small samples move a lot by chance."
                ),
                "headers": ["Period", "Value", "Sample size"],
                "rows": [
                    [
                        f"{us_date(t.period_start)} – {us_date(t.period_end)}",
                        f"{t.value:,}",
                        "not recorded" if t.sample_size is None else f"{t.sample_size:,}",
                    ]
                    for t in rows
                ],
            }
        )
    return charts


def site_dashboard(
    site: Site, *, user: User, offense: str = "", today: dt.date | None = None
) -> SiteDashboard:
    """The site dashboard of ``site`` for ``user`` (who may already see it)."""
    today = today or timezone.localdate()
    summary = site_metrics_summary(site, user=user)
    stale = summary.has_results and not summary.is_fresh
    # Every offense with a trend is offered; only the chosen one's series (and violent crime's,
    # for the headline change and the sparkline) are read and decoded.
    trends = MetricResult.objects.filter(site=site, metric__in=TREND_METRICS)
    with_trend = set(trends.order_by().values_list("offense", flat=True).distinct())
    codes = sorted(with_trend, key=offense_sort_key)
    chosen = offense if offense in with_trend else (codes[0] if codes else "")
    results = list(
        MetricResult.objects.filter(site=site)
        .filter(
            Q(metric__in=TREND_METRICS, offense__in=[chosen, VIOLENT])
            | Q(metric__in=SPATIAL)
            # The "What changed" section, from the same query (docs/metrics.md §6).
            | Q(metric__in=CHANGE_METRICS, offense=chosen)
            | Q(metric=NEAR_REPEAT)
        )
        .values(
            "metric",
            "offense",
            "status",
            "reason",
            "value",
            "params",
            "flags",
            "computed_at",
            "data_through",
        )
    )
    by_offense: dict[str, dict[str, StoredResult]] = defaultdict(dict)
    spatial: dict[str, StoredResult] = {}
    change_rows: list[StoredResult] = []
    near_repeat: StoredResult | None = None
    for r in results:
        if r["metric"] == NEAR_REPEAT:
            near_repeat = r
        elif r["metric"] in CHANGE_METRICS:
            change_rows.append(r)
        elif r["metric"] in SPATIAL:
            spatial[r["metric"]] = r
        else:
            by_offense[r["offense"]][r["metric"]] = r
    milestones = list(Milestone.objects.filter(site=site).order_by("due_on", "id"))
    sources = _sources(site)
    dash = SiteDashboard(
        site=site,
        today=today,
        summary=summary,
        offenses=[(c, offense_label(c)) for c in codes],
        offense=chosen,
        spatial=spatial,
    )
    violent = by_offense.get(VIOLENT, {})
    dash.violent = trend_from_result(violent.get("rolling_12m"))
    series = (violent.get("monthly_count") or {}).get("value", {}).get("series") or []
    dash.sparkline = sparkline_from_series(series)
    if chosen:
        dash.charts = _trend_charts(
            by_offense[chosen], chosen, _markers(site, milestones), sources, stale
        )
    flags = DataQualityFlag.objects.filter(site=site, status=FlagStatus.OPEN)
    dash.quality_flags = list(
        flags.select_related("offense").order_by("-month", "rule", "scope", "key", "pk")[:10]
    )
    dash.quality_open = flags.count()
    dash.ta_chart, dash.ta_by_area = _ta_chart(site, today)
    dash.ta_totals = Activity.objects.filter(site=site).aggregate(
        n=Count("id"),
        hours=Sum("duration_hours"),
        last=Max("date"),
        n_year=Count("id", filter=Q(date__gt=today - dt.timedelta(days=365))),
        hours_year=Sum("duration_hours", filter=Q(date__gt=today - dt.timedelta(days=365))),
    )
    dash.federal_partners = list(
        site.agencies.filter(kind__in=FEDERAL_AGENCY_KINDS)
        .annotate(
            last_touch=Max("activities__date", filter=LIVE_ACTIVITIES),
            touches=Count("activities", filter=LIVE_ACTIVITIES),
        )
        .order_by("name")
    )
    dash.action_items = list(
        ActionItem.objects.filter(engagement__site=site)
        .open()
        .select_related("engagement__core_area")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    dash.overdue_milestones = [m for m in milestones if m.is_overdue(today)]
    dash.liaisons = [
        m.user
        for m in site.memberships.filter(role=MembershipRole.LIAISON)
        .select_related("user")
        .order_by("user__full_name")
    ]
    conc = spatial.get("concentration")
    if conc is not None and conc["status"] == "ok":
        dash.hot_chart = _hot_spot_chart(site, conc, stale, sources, spatial.get("gistar_hotspots"))
    dash.trust = _trust(site)
    if chosen:
        dash.changes = site_changes(change_rows, offense_label(chosen), near_repeat)
    return dash


def site_glance(site: Site) -> dict[str, Any]:
    """Violent crime at a glance for the site page: its monthly chart (engagement start
    marked) and its stored 12-month change, from one query of stored results."""
    results = {
        r["metric"]: r
        for r in MetricResult.objects.filter(
            site=site, offense=VIOLENT, metric__in=["monthly_count", "rolling_12m"]
        ).values("metric", "status", "reason", "value", "params", "computed_at", "data_through")
    }
    markers = []
    if site.engagement_start:
        markers.append(TimeMarker(f"{site.engagement_start:%Y-%m}", "Engagement start"))
    charts = _trend_charts(
        {k: v for k, v in results.items() if k == "monthly_count"},
        VIOLENT,
        markers,
        {},
        stale=False,
    )
    for chart in charts:
        chart["id"] = "chart-glance"
    return {
        "chart": charts[0] if charts else None,
        "trend": trend_from_result(results.get("rolling_12m")),
    }
