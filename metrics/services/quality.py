"""Data-quality rules DQ1–DQ9 (docs/metrics.md §5) applied to a site's stored data, as flags.

The statistics are the pure functions of :mod:`metrics.compute.quality`; this module loads the
site's data into pandas, calls them and keeps one :class:`DataQualityFlag` per finding. A flag a
person confirmed or resolved keeps its status when the rules run again; an open flag that is no
longer raised is closed with a note. Month statuses follow the open flags: ``suspect`` while a
DQ2/DQ3/DQ7 flag is open, ``provisional`` inside the reporting lag (DQ4).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from metrics.compute import quality as dq
from metrics.compute.population import population_of_year
from metrics.compute.series import MonthlySeries, complete_monthly, month_label
from metrics.models import (
    DataQualityFlag,
    FlagStatus,
    Incident,
    MonthlyCount,
    MonthStatus,
    Offense,
    StructuralBreak,
    Upload,
)
from metrics.offenses import OFFENSE_NAMES
from psp.core import events
from sites.selectors import site_population_rows

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site

ALL_OFFENSES = dq.ALL_OFFENSES
SUSPECT_RULES = {"DQ2", "DQ3", "DQ7"}


@dataclass
class QualityResult:
    raised: list[int] = field(default_factory=list)  # ids of flags new in this run
    cleared: int = 0
    findings: int = 0


def _month(key: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(key + "-01") if len(key) == 7 else None
    except ValueError:
        return None


def _findings(site: Site, as_of: dt.date, upload: Upload | None) -> list[tuple[str, dq.Flag]]:
    """Every (scope, flag) the rules raise on the site's data."""
    out: list[tuple[str, dq.Flag]] = []
    rows = list(
        MonthlyCount.objects.filter(site=site).values_list(
            "month", "offense__code", "count", "first_count"
        )
    )
    if rows:
        df = pd.DataFrame(rows, columns=["month", "offense", "count", "first"])
        df["period"] = pd.PeriodIndex(pd.to_datetime(df["month"]), freq="M")
        wide = df.pivot(index="period", columns="offense", values="count").sort_index()
        for code, group in df.groupby("offense"):
            counts = group.set_index("period")["count"].astype("float64").sort_index()
            ms = complete_monthly(counts)
            out += [(str(code), f) for f in dq.dq1_missing_months(ms)]
            out += [(str(code), f) for f in _expectation_flags(ms)]
            out += [(str(code), f) for f in dq.dq4_provisional(ms, as_of=as_of)]
            labels = group["period"].map(month_label)
            first = pd.Series(group["first"].to_numpy(), index=labels)
            now = pd.Series(group["count"].to_numpy(), index=labels)
            out += [(str(code), f) for f in dq.dq6_revisions(first, now)]
        full = wide.reindex(pd.period_range(wide.index.min(), wide.index.max(), freq="M"))
        if full.shape[1] > 1:
            out += [(ALL_OFFENSES, f) for f in dq.dq2_all_offenses_zero(full)]
        out += [(ALL_OFFENSES, f) for f in dq.dq7_consistency(wide, total="violent_crime")]
        for b in StructuralBreak.objects.filter(site=site):
            out += [
                ("records system", f)
                for f in dq.dq5_structural_break(wide.index.min(), wide.index.max(), [b.month])
            ]
    out += [("population", f) for f in population_findings(site, as_of)]
    out += [("incidents", f) for f in incident_hygiene(site)]
    out += incident_series_findings(site, upload)
    return _group_revisions(_group_by_month(out))


def _group_revisions(findings: list[tuple[str, dq.Flag]]) -> list[tuple[str, dq.Flag]]:
    """One DQ6 flag for all of a site's revisions beyond the threshold, not one per value: a
    revised file is answered once. Its key names the revised values (a short digest of them),
    so a later revision raises a new flag and the earlier one clears."""
    revisions = [(scope, f) for scope, f in findings if f.rule == "DQ6"]
    if len(revisions) < 2:
        return findings
    out = [(scope, f) for scope, f in findings if f.rule != "DQ6"]

    def named(scope: str, f: dq.Flag) -> str:
        month = _month(f.key)
        return f"{f'{month:%b %Y}' if month else f.key} {OFFENSE_NAMES.get(scope, scope)}"

    items = sorted(named(scope, f) for scope, f in revisions)
    digest = hashlib.sha256("|".join(items).encode()).hexdigest()[:10]
    listed = "; ".join(
        f"{named(scope, f)}: " + f.message.removeprefix("Revised ").rstrip(".")
        for scope, f in revisions
    )
    message = (
        f"{len(revisions)} values differ by more than {dq.REVISION_TOLERANCE:.0%} from their "
        f"first report: {listed}."
    )
    key = f"{len(revisions)} revisions #{digest}"
    out.append((ALL_OFFENSES, dq.Flag("DQ6", key, "revised", message)))
    return out


def population_findings(site: Site, as_of: dt.date) -> list[dq.Flag]:
    """DQ8 with the population table (docs/metrics.md §7.6): each year of the site's outcome
    data without a population of its own (saying whose figure its rates use), and jumps of more
    than 10% year to year; with no population at all, the current year."""
    rows = site_population_rows(site)
    if not rows:
        return dq.dq8_population({}, [as_of.year])
    spans = [
        MonthlyCount.objects.filter(site=site).aggregate(a=Min("month"), b=Max("month")),
        Incident.objects.filter(site=site).aggregate(a=Min("occurred_on"), b=Max("occurred_on")),
    ]
    years = {y for s in spans if s["a"] for y in range(s["a"].year, s["b"].year + 1)}
    flags = dq.dq8_population({y: float(p) for y, p, _ in rows}, sorted(years))
    known = {y for y, _, _ in rows}
    out = []
    for f in flags:
        year = int(f.key)
        used = population_of_year(rows, year)
        if year not in known and used is not None:
            f = replace(f, message=f"No population for {year}: its rates use {used[0]}'s.")
        out.append(f)
    return out


def _expectation_flags(ms: MonthlySeries) -> list[dq.Flag]:
    """DQ2 and DQ3 of §7.3 from one fit of the series' expectations."""
    exp = dq.expectations(ms)
    return dq.dq2_implausible_zero(ms, exp) + dq.dq3_outliers(ms, exp)


def _coverage_months(site: Site, upload: Upload | None) -> dict[str, set[pd.Period]]:
    """Covered months per incident source: imported uploads and the one being imported."""
    uploads = Upload.objects.filter(
        site=site, kind="incidents", coverage_start__isnull=False, coverage_end__isnull=False
    ).filter(Q(status="imported") | Q(pk=upload.pk if upload else None))
    months: dict[str, set[pd.Period]] = {}
    for source, start, end in uploads.values_list("source", "coverage_start", "coverage_end"):
        assert start is not None and end is not None  # filtered above
        span = pd.period_range(pd.Period(start, freq="M"), pd.Period(end, freq="M"), freq="M")
        months.setdefault(source, set()).update(span)
    return months


def _covered_series(counts: pd.Series, covered: set[pd.Period]) -> MonthlySeries:
    """Monthly counts inside the covered months (a month with no incident is a true zero;
    months between coverages are missing)."""
    full = pd.period_range(min(covered), max(covered), freq="M")
    series = counts.reindex(full, fill_value=0).astype("float64")
    series[~full.isin(sorted(covered))] = float("nan")
    return complete_monthly(series, start=full[0], end=full[-1])


def _incident_month_counts(site: Site) -> list[tuple[str, str | None, dt.date, int]]:
    """(source, offense code, month, incidents) of the site's stored incidents.

    On PostgreSQL this runs right after an import's merge, before statistics know the site's new
    rows (the planner expects one row and sorts them, on disk at 1,000,000 rows): the few groups
    are hashed instead, the month is truncated without a time zone, and the offense code comes
    from a dict, not a join (issue 20, the import's data-quality step)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return list(
            Incident.objects.filter(site=site)
            .annotate(m=TruncMonth("occurred_on"))
            .values_list("source", "offense__code", "m")
            .annotate(n=Count("id"))
            .order_by()
        )
    codes = dict(Offense.objects.values_list("id", "code"))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT current_setting('enable_sort'), set_config('enable_sort', 'off', true)")
        previous = cur.fetchone()[0]
        cur.execute(
            "SELECT source, offense_id, date_trunc('month', occurred_on::timestamp)::date, "
            "COUNT(*) FROM metrics_incident WHERE site_id = %s GROUP BY 1, 2, 3",
            [site.pk],
        )
        found = cur.fetchall()
        cur.execute("SELECT set_config('enable_sort', %s, true)", [previous])
    return [(src, codes.get(o) if o else None, m, n) for src, o, m, n in found]


def incident_series_findings(site: Site, upload: Upload | None) -> list[tuple[str, dq.Flag]]:
    """§7.3 on incident data: DQ2/DQ3 on every offense's monthly series inside the coverage,
    and a DQ5 break where a source's first months ramp up (counted in SQL, by month)."""
    coverage = _coverage_months(site, upload)
    if not coverage:
        return []
    rows = _incident_month_counts(site)
    if not rows:
        return []
    df = pd.DataFrame(rows, columns=["source", "offense", "month", "n"])
    df["month"] = pd.PeriodIndex(pd.to_datetime(df["month"]), freq="M")
    covered = set().union(*coverage.values())
    out: list[tuple[str, dq.Flag]] = []
    ramps: list[pd.Period] = []
    for source, group in df.groupby("source"):
        if source not in coverage:
            continue
        counts = group.groupby("month")["n"].sum()
        ramp = dq.source_ramp(_covered_series(counts, coverage[str(source)]))
        if ramp is not None:
            ramps.append(ramp)
            message = (
                f"The {source} source's first months are far below the following ones: "
                f"comparisons across {month_label(ramp)} mix a ramp-up with the full source."
            )
            flag = dq.Flag("DQ5", month_label(ramp), "break_in_window", message)
            out.append((dq.RAMP_SCOPE, flag))
    # The ramp's months are not the series' normal level: DQ2/DQ3 judge the months after it.
    coded = df[df["offense"].notna()]
    kept = covered
    if ramps:
        coded = coded[coded["month"] >= max(ramps)]
        kept = {m for m in covered if m >= max(ramps)}
    for code, group in coded.groupby("offense"):
        counts = group.groupby("month")["n"].sum()
        out += [(str(code), f) for f in _expectation_flags(_covered_series(counts, kept))]
    return out


def _centroid(site: Site) -> tuple[float, float] | None:
    if site.latitude is not None and site.longitude is not None:
        return float(site.latitude), float(site.longitude)
    return None


def incident_hygiene(site: Site) -> list[dq.Flag]:
    """DQ9 on the site's stored incidents, with the rule of :func:`dq.dq9_incident_hygiene`.

    On PostgreSQL the incidents are not loaded: the counts, the stacked points (grouped on
    coordinates rounded to 6 places), the median centre and the far points are computed in SQL, so
    memory stays flat however many incidents a site has. Elsewhere (SQLite, small data) the pure
    function runs on the loaded rows. Duplicate ids cannot be stored (unique site, source and id),
    so that part of the rule has nothing to find here.
    """
    from django.db import connection

    centroid = _centroid(site)
    if connection.vendor != "postgresql":
        rows = list(
            Incident.objects.filter(site=site).values_list(
                "source", "external_id", "latitude", "longitude"
            )
        )
        if not rows:
            return []
        frame = pd.DataFrame(rows, columns=["source", "id", "latitude", "longitude"])
        frame["incident_id"] = frame["source"] + ":" + frame["id"]
        return dq.dq9_incident_hygiene(frame, centroid=centroid).flags
    flags: list[dq.Flag] = []
    where = "site_id = %s"
    geo = f"{where} AND latitude IS NOT NULL AND longitude IS NOT NULL"
    # The haversine distance of dq._haversine_km, in SQL, from the centre given as parameters.
    distance = (
        "2 * 6371.0088 * asin(sqrt(power(sin((radians(latitude) - radians(%s)) / 2), 2) + "
        "cos(radians(latitude)) * cos(radians(%s)) * "
        "power(sin((radians(longitude) - radians(%s)) / 2), 2)))"
    )
    with connection.cursor() as cur:
        candidates: list[int] | None = None
        if centroid:
            # The site's own centre (every site has one): one pass gives the counts, the far
            # points and, per bucket of points (a hash of the rounded point, 4,096 buckets),
            # how many incidents it holds — no median (two sorts of every coordinate), and no
            # group per point (a million groups spill to disk): a point with enough incidents
            # to be flagged fills its bucket to the threshold, so only such buckets are grouped
            # by point afterwards (issue 20, the import's DQ step).
            c_lat, c_lon = centroid
            cur.execute(
                f"SELECT CASE WHEN latitude IS NULL OR longitude IS NULL THEN -1 "
                f"ELSE {POINT_BUCKET} END, COUNT(*), COUNT(*) FILTER (WHERE {distance} > %s) "
                f"FROM metrics_incident WHERE {where} GROUP BY 1",
                [c_lat, c_lat, c_lon, DQ9_MAX_DISTANCE_KM, site.pk],
            )
            buckets = cur.fetchall()
            n = sum(k for _, k, _ in buckets)
            geocoded = sum(k for b, k, _ in buckets if b != -1)
            far = sum(f for _, _, f in buckets)
            threshold = max(2, math.ceil(dq.STACKED_POINT_SHARE * n))
            candidates = [int(b) for b, k, _ in buckets if b != -1 and k >= threshold]
        else:
            cur.execute(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE latitude IS NOT NULL AND longitude IS "
                "NOT NULL), percentile_cont(0.5) WITHIN GROUP (ORDER BY latitude), "
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY longitude) "
                f"FROM metrics_incident WHERE {where}",
                [site.pk],
            )
            n, geocoded, med_lat, med_lon = cur.fetchone()
            far = None
        if not n:
            return []
        share = geocoded / n
        if share < dq.GEOCODED_MIN:
            flags.append(dq.Flag("DQ9", "geocoding", "flag", f"Only {100 * share:.1f}% geocoded."))
        if not geocoded:
            return flags
        threshold = max(2, math.ceil(dq.STACKED_POINT_SHARE * n))
        stacked: list[tuple[float, float, int]] = []
        if candidates is None or candidates:
            in_buckets = ""
            if candidates:
                in_buckets = f" AND {POINT_BUCKET} IN ({', '.join(map(str, candidates))})"
            cur.execute(
                # round(x * 1e6) / 1e6 in double precision is numpy's round(x, 6), ties included.
                "SELECT round(latitude * 1e6) / 1e6, round(longitude * 1e6) / 1e6, COUNT(*) "
                f"FROM metrics_incident WHERE {geo}{in_buckets} GROUP BY 1, 2 "
                "HAVING COUNT(*) >= %s ORDER BY 1, 2",
                [site.pk, threshold],
            )
            stacked = [(float(la), float(lo), k) for la, lo, k in cur.fetchall()]
        for la, lo, k in stacked:
            flags.append(dq.Flag("DQ9", f"{la},{lo}", "flag", f"{k} incidents on one point."))
        if far is None:
            c_lat, c_lon = float(med_lat), float(med_lon)
            cur.execute(
                f"SELECT COUNT(*) FROM metrics_incident WHERE {geo} AND {distance} > %s",
                [site.pk, c_lat, c_lat, c_lon, DQ9_MAX_DISTANCE_KM],
            )
            far = cur.fetchone()[0]
    if far:
        flags.append(dq.Flag("DQ9", "far_points", "flag", f"{far} points far outside the site."))
    return flags


DQ9_MAX_DISTANCE_KM = 50.0
# A bucket (0–4095) of a point rounded to 6 places, as DQ9 rounds it: the same point, the same
# bucket (bigint arithmetic: |round(x * 1e6)| < 2e8, so the product stays far below 2^63).
POINT_BUCKET = "((round(latitude * 1e6)::bigint * 1000003 + round(longitude * 1e6)::bigint) & 4095)"
GROUPED_RULES = {"DQ1", "DQ4"}


def _group_by_month(findings: list[tuple[str, dq.Flag]]) -> list[tuple[str, dq.Flag]]:
    """One flag per month, not per offense, for a month missing (DQ1) or provisional (DQ4) in
    several offenses: a liaison answers for the month."""
    grouped: dict[tuple[str, str], list[tuple[str, dq.Flag]]] = {}
    out: list[tuple[str, dq.Flag]] = []
    for scope, f in findings:
        if f.rule in GROUPED_RULES and scope != ALL_OFFENSES:
            grouped.setdefault((f.rule, f.key), []).append((scope, f))
        else:
            out.append((scope, f))
    for (rule, key), items in grouped.items():
        if len(items) == 1:
            out.append(items[0])
            continue
        names = ", ".join(OFFENSE_NAMES.get(scope, scope) for scope, _ in items)
        first = items[0][1]
        out.append(
            (ALL_OFFENSES, dq.Flag(rule, key, first.effect, f"{first.message} Offenses: {names}."))
        )
    return out


@transaction.atomic
def quality_check_site(
    *, site: Site, upload: Upload | None = None, as_of: dt.date | None = None
) -> QualityResult:
    """Run DQ1–DQ9 on ``site``'s data and bring its flags and month statuses up to date."""
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    offense_ids = dict(Offense.objects.values_list("code", "id"))
    existing = {(f.rule, f.scope, f.key): f for f in DataQualityFlag.objects.filter(site=site)}
    result = QualityResult()
    seen: set[tuple[str, str, str]] = set()
    new: list[DataQualityFlag] = []
    changed: list[DataQualityFlag] = []
    for scope, finding in _findings(site, as_of, upload):
        key = (finding.rule, scope, finding.key[:120])
        if key in seen:
            continue
        seen.add(key)
        result.findings += 1
        flag = existing.get(key)
        if flag is None:
            new.append(
                DataQualityFlag(
                    site=site,
                    rule=finding.rule,
                    scope=scope,
                    key=finding.key[:120],
                    month=_month(finding.key),
                    offense_id=offense_ids.get(scope),
                    effect=finding.effect,
                    detail=finding.message,
                    upload=upload,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        else:
            flag.detail, flag.effect, flag.last_seen_at = finding.message, finding.effect, now
            if flag.status == FlagStatus.RESOLVED and flag.resolved_by_id is None:
                flag.status, flag.note, flag.resolved_at = FlagStatus.OPEN, "", None
            changed.append(flag)
    for key, flag in existing.items():
        if key not in seen and flag.status == FlagStatus.OPEN:
            flag.status = FlagStatus.RESOLVED
            flag.resolved_at = now
            flag.note = "No longer raised: the data changed."
            changed.append(flag)
            result.cleared += 1
    created = DataQualityFlag.objects.bulk_create(new, batch_size=500)
    result.raised = [f.pk for f in created if f.pk is not None]
    if not result.raised and created:  # backends that do not return ids
        result.raised = list(
            DataQualityFlag.objects.filter(site=site, created_at=now).values_list("pk", flat=True)
        )
    DataQualityFlag.objects.bulk_update(
        changed,
        ["detail", "effect", "last_seen_at", "status", "note", "resolved_at"],
        batch_size=500,
    )
    _apply_month_status(site)
    if result.raised:
        events.flags_raised.send(
            sender=DataQualityFlag, flag_ids=list(result.raised), site=site, actor=None
        )
    return result


def _apply_month_status(site: Site) -> None:
    """Month statuses from the flags: open DQ2/3/7 → suspect; DQ4 → provisional."""
    suspect: set[tuple[str, dt.date]] = set()
    provisional: set[tuple[str, dt.date]] = set()
    all_suspect: set[dt.date] = set()
    all_provisional: set[dt.date] = set()
    for rule, scope, month, status in DataQualityFlag.objects.filter(
        site=site, month__isnull=False
    ).values_list("rule", "scope", "month", "status"):
        assert month is not None  # filtered above
        if rule == "DQ4":
            provisional.add((scope, month))
            if scope == ALL_OFFENSES:
                all_provisional.add(month)
        elif rule in SUSPECT_RULES and status == FlagStatus.OPEN:
            if scope == ALL_OFFENSES:
                all_suspect.add(month)
            else:
                suspect.add((scope, month))
    rows = list(MonthlyCount.objects.filter(site=site).select_related("offense"))
    updates = []
    for mc in rows:
        key = (mc.offense.code, mc.month)
        if key in suspect or mc.month in all_suspect:
            want = MonthStatus.SUSPECT
        elif key in provisional or mc.month in all_provisional:
            want = MonthStatus.PROVISIONAL
        else:
            want = MonthStatus.REPORTED
        if mc.status != want:
            mc.status = want
            updates.append(mc)
    MonthlyCount.objects.bulk_update(updates, ["status"], batch_size=500)


FLAG_ACTIONS = {
    "confirm": FlagStatus.CONFIRMED,
    "resolve": FlagStatus.RESOLVED,
    "exclude": FlagStatus.WRONG,
}


@transaction.atomic
def flag_update(*, flag: DataQualityFlag, acting_user: User, action: str, note: str) -> None:
    """Confirm (the data is right as it stands) or resolve (it was fixed or explained) a flag,
    with a note saying why; the month statuses follow."""
    note = (note or "").strip()
    errors = {}
    if action not in FLAG_ACTIONS:
        errors["action"] = "Choose confirm, resolve or exclude."
    if not note:
        errors["note"] = "Say why: the note is kept with the flag."
    if errors:
        raise ValidationError(errors)
    flag = DataQualityFlag.objects.select_for_update().get(pk=flag.pk)
    flag.status = FLAG_ACTIONS[action]
    flag.note = note[:2000]
    flag.resolved_by = acting_user
    flag.resolved_at = timezone.now()
    flag.full_clean()
    flag.save()
    _apply_month_status(flag.site)
