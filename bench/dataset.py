"""The benchmark program, generated deterministically (one seed) into the benchmark database.

Small tables (cohorts, users, sites, engagements, uploads) go through the ORM's ``bulk_create``;
the big ones (monthly counts, activities and their core areas, incidents) are generated with numpy
and written with PostgreSQL ``COPY`` in blocks of a few MB — never a Python loop per row. The same
seed gives the same rows on every machine. Generated rows are benchmark fixtures, not user edits,
so no change history is written for them (the import path measured later writes its own).
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg

from bench.config import ROOT, SEED, Scale, database_name, database_url

FIRST_MONTH = dt.date(2016, 1, 1)  # ten years of data, fixed so every run sees the same rows
BENCH_EMAIL = "bench-staff@bench.invalid"
SOURCE = "records"
MEANS = {  # monthly means of a mid-sized city; violent_crime is the sum of the first four
    "homicide": 4,
    "rape": 15,
    "robbery": 60,
    "aggravated_assault": 150,
    "nonfatal_shooting_victims": 20,
    "nonfatal_shooting_incidents": 18,
    "fatal_shooting_incidents": 3,
    "shots_fired": 80,
    "burglary": 200,
    "larceny": 700,
    "motor_vehicle_theft": 150,
}
VIOLENT = ("homicide", "rape", "robbery", "aggravated_assault")
# Incident offenses and their shares (incident files carry shootings and the part-I offenses).
INCIDENT_SHARES = {
    "shots_fired": 0.30,
    "nonfatal_shooting_incidents": 0.12,
    "fatal_shooting_incidents": 0.03,
    "aggravated_assault": 0.25,
    "robbery": 0.15,
    "homicide": 0.02,
    "burglary": 0.13,
}
ACTIVITY_KINDS = [
    "site_visit",
    "virtual_meeting",
    "training",
    "peer_exchange",
    "mentoring",
    "webinar",
    "assessment",
    "strategic_planning",
    "sme_consultation",
    "data_support",
    "symposium",
    "case_review",
]
MODES = ["onsite", "virtual", "hybrid"]
PHASES = ["onboarding", "assessment", "planning", "implementation", "sustainment", "alumni"]
STATES = ["KS", "WI", "MD", "LA", "AL", "GA", "CO", "WA", "MA", "FL", "TX", "OH", "MO", "TN"]


def months(years: int) -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, periods=years * 12, freq="MS")


def last_month(years: int) -> dt.date:
    return months(years)[-1].date()


def site_slug(i: int) -> str:
    return f"bench-{i:03d}"


METRICS_SITE = site_slug(1)


# --- database lifecycle ---------------------------------------------------------------------------
def admin_connect() -> psycopg.Connection:
    url = database_url().rsplit("/", 1)[0] + "/postgres"
    return psycopg.connect(url, autocommit=True)


def reset_database() -> float:
    """Drop and re-create the benchmark database, then migrate it; returns seconds taken."""
    start = time.perf_counter()
    name = database_name()
    with admin_connect() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
    return time.perf_counter() - start


# --- COPY helpers ---------------------------------------------------------------------------------
def copy_frame(table: str, frame: pd.DataFrame, *, block_rows: int = 200_000) -> None:
    """COPY a DataFrame into ``table`` in CSV blocks (NaN/None → NULL, "" stays empty text)."""
    from django.db import connection

    cols = ", ".join(frame.columns)
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')") as cp:
            for start in range(0, len(frame), block_rows):
                buf = io.StringIO()
                frame.iloc[start : start + block_rows].to_csv(
                    buf, index=False, header=False, na_rep="\\N"
                )
                cp.write(buf.getvalue())


def reset_sequence(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


# --- generation -----------------------------------------------------------------------------------
@dataclass
class Generated:
    seconds: dict[str, float]
    rows: dict[str, int]


def incident_frame(
    rng: np.random.Generator,
    n: int,
    *,
    years: int,
    lat: float,
    lon: float,
    id_prefix: str,
    offense_codes: list[str],
) -> pd.DataFrame:
    """``n`` incidents in the ten-year window around (lat, lon): ids, dates, offense, coordinates,
    killed/injured consistent with the offense. About 3% lack coordinates."""
    codes = list(INCIDENT_SHARES)
    shares = np.array([INCIDENT_SHARES[c] for c in codes])
    offense = np.array(codes, dtype=object)[rng.choice(len(codes), n, p=shares / shares.sum())]
    end = pd.Timestamp(last_month(years)) + pd.offsets.MonthEnd(0)
    span = (end - pd.Timestamp(FIRST_MONTH)).days
    days = np.sort(rng.integers(0, span + 1, n))
    occurred = pd.Timestamp(FIRST_MONTH) + pd.to_timedelta(days, unit="D")
    la = np.round(lat + rng.normal(0, 0.04, n), 6)
    lo = np.round(lon + rng.normal(0, 0.05, n), 6)
    missing = rng.random(n) < 0.03
    killed = np.where(offense == "fatal_shooting_incidents", 1, 0) + np.where(
        offense == "homicide", 1, 0
    )
    injured = np.where(offense == "nonfatal_shooting_incidents", rng.integers(1, 4, n), 0)
    frame = pd.DataFrame(
        {
            "external_id": [f"{id_prefix}{i:08d}" for i in range(n)],
            "occurred_on": occurred.strftime("%Y-%m-%d"),
            "offense": offense,
            "latitude": np.where(missing, np.nan, la),
            "longitude": np.where(missing, np.nan, lo),
            "killed": killed,
            "injured": injured,
        }
    )
    assert set(frame["offense"]) <= set(offense_codes)
    return frame


def generate(scale: Scale, *, log: callable = print) -> Generated:  # type: ignore[valid-type]
    """Fill the (freshly migrated) benchmark database with the scale's program."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from engagements.models import CoreArea, Engagement
    from metrics.models import Offense, Upload
    from sites.models import Cohort, Site, SiteMembership

    User = get_user_model()
    rng = np.random.default_rng(SEED)
    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}
    now = timezone.now()
    t = time.perf_counter()

    with transaction.atomic():
        cohorts = Cohort.objects.bulk_create(
            [
                Cohort(year=y, name=f"Bench cohort {y}", announced_on=dt.date(y, 6, 1))
                for y in (2014, 2017, 2018, 2019, 2021, 2024)
            ]
        )
        staff = User.objects.create_user(
            email=BENCH_EMAIL, password=None, full_name="Bench Staff", role="bja_staff"
        )
        liaisons = User.objects.bulk_create(
            [
                User(email=f"liaison{i:02d}@bench.invalid", full_name=f"Liaison {i:02d}")
                for i in range(max(2, scale.sites // 10))
            ]
        )
        lats = rng.uniform(30, 47, scale.sites).round(4)
        lons = rng.uniform(-120, -75, scale.sites).round(4)
        sites = Site.objects.bulk_create(
            [
                Site(
                    name=f"Bench City {i:03d}",
                    slug=site_slug(i),
                    state=STATES[i % len(STATES)],
                    population=int(rng.integers(50_000, 2_000_000)),
                    population_year=2020,
                    population_source="bench",
                    latitude=lats[i - 1],
                    longitude=lons[i - 1],
                    cohort=cohorts[i % len(cohorts)],
                    phase=PHASES[i % len(PHASES)],
                    engagement_start=dt.date(2019 + i % 6, 1 + i % 12, 1),
                    program_manager=staff,
                )
                for i in range(1, scale.sites + 1)
            ]
        )
        SiteMembership.objects.bulk_create(
            [
                SiteMembership(user=liaisons[i % len(liaisons)], site=s, role="liaison")
                for i, s in enumerate(sites)
            ]
        )
        areas = list(CoreArea.objects.order_by("order", "id"))
        Engagement.objects.bulk_create(
            [
                Engagement(site=s, core_area=areas[(i + k) % len(areas)], status="active")
                for i, s in enumerate(sites)
                for k in range(3)
            ]
        )
        offense_ids = dict(Offense.objects.values_list("code", "id"))
        end = last_month(scale.years)
        uploads = {}
        for kind in ("monthly_counts", "incidents"):
            made = Upload.objects.bulk_create(
                [
                    Upload(
                        site=s,
                        kind=kind,
                        file=f"bench/{s.slug}-{kind}.csv",
                        original_name=f"{s.slug}-{kind}.csv",
                        sha256=f"{kind[:1]}{s.pk:063d}",
                        uploaded_by=staff,
                        confirmed_by=staff,
                        source=SOURCE if kind == "incidents" else "",
                        coverage_start=FIRST_MONTH if kind == "incidents" else None,
                        coverage_end=end if kind == "incidents" else None,
                        status="imported",
                        progress=100,
                        created_at=now,
                        finished_at=now,
                    )
                    for s in sites
                ]
            )
            uploads[kind] = {u.site_id: u.pk for u in made}
    seconds["sites, users, engagements"] = time.perf_counter() - t
    rows["sites"] = len(sites)

    # Monthly counts: site × month × 12 offenses (violent crime = the sum of its components).
    t = time.perf_counter()
    month_index = months(scale.years)
    site_ids = np.array([s.pk for s in sites])
    size = rng.uniform(0.2, 3.0, len(sites))
    frames = []
    for code, mean in MEANS.items():
        lam = np.outer(size * mean, np.ones(len(month_index)))
        frames.append((code, rng.poisson(lam)))
    by_code = dict(frames)
    by_code["violent_crime"] = sum(by_code[c] for c in VIOLENT)
    ns, nm = len(sites), len(month_index)
    parts = []
    for code, counts in by_code.items():
        parts.append(
            pd.DataFrame(
                {
                    "site_id": np.repeat(site_ids, nm),
                    "month": np.tile(month_index.strftime("%Y-%m-%d"), ns),
                    "offense_id": offense_ids[code],
                    "count": counts.reshape(-1),
                }
            )
        )
    mc = pd.concat(parts, ignore_index=True)
    mc["first_count"] = mc["count"]
    mc["status"] = "reported"
    mc["created_at"] = now.isoformat()
    mc["updated_at"] = now.isoformat()
    mc["upload_id"] = mc["site_id"].map(uploads["monthly_counts"])
    with transaction.atomic():
        copy_frame("metrics_monthlycount", mc)
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO metrics_monthlycountrevision (monthly_count_id, value, "
                "previous_value, upload_id, recorded_by_id, recorded_at) "
                "SELECT id, count, NULL, upload_id, %s, created_at FROM metrics_monthlycount",
                [staff.pk],
            )
    seconds["monthly counts (COPY)"] = time.perf_counter() - t
    rows["monthly counts"] = len(mc)
    log(f"  monthly counts: {len(mc):,} rows in {seconds['monthly counts (COPY)']:.1f} s")

    # Activities and their core areas, with explicit ids so the M2M rows can be copied too.
    t = time.perf_counter()
    n = scale.activities
    days_span = (end - dt.date(2019, 1, 1)).days + 28
    act_sites = site_ids[rng.integers(0, ns, n)]
    act = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "site_id": act_sites,
            "kind": np.array(ACTIVITY_KINDS, dtype=object)[rng.integers(0, len(ACTIVITY_KINDS), n)],
            "date": (
                pd.Timestamp(2019, 1, 1) + pd.to_timedelta(rng.integers(0, days_span, n), unit="D")
            ).strftime("%Y-%m-%d"),
            "duration_hours": rng.choice([0.5, 1, 1.5, 2, 4, 8], n),
            "mode": np.array(MODES, dtype=object)[rng.integers(0, 3, n)],
            "audience": "",
            "participants_count": rng.integers(1, 60, n),
            "summary": "Benchmark activity: met the working group, reviewed the plan.",
            "next_steps": "",
            "logged_at": now.isoformat(),
            "logged_by_id": np.array([u.pk for u in liaisons])[rng.integers(0, len(liaisons), n)],
        }
    )
    first_area = rng.integers(0, len(areas), n)
    second = rng.random(n) < 0.5
    area_ids = np.array([a.pk for a in areas])
    m2m = pd.concat(
        [
            pd.DataFrame({"activity_id": act["id"], "corearea_id": area_ids[first_area]}),
            pd.DataFrame(
                {
                    "activity_id": act["id"][second],
                    "corearea_id": area_ids[(first_area[second] + 1) % len(areas)],
                }
            ),
        ]
    )
    with transaction.atomic():
        copy_frame("engagements_activity", act)
        copy_frame("engagements_activity_core_areas", m2m)
        reset_sequence("engagements_activity")
        reset_sequence("engagements_activity_core_areas")
    seconds["activities (COPY)"] = time.perf_counter() - t
    rows["activities"] = n
    log(f"  activities: {n:,} rows in {seconds['activities (COPY)']:.1f} s")

    # Incidents: the metrics site gets its full share, the rest is spread over the others.
    t = time.perf_counter()
    rest = max(scale.incidents - scale.metrics_site_incidents, 0)
    per_site = np.full(ns, rest // max(ns - 1, 1))
    per_site[0] = scale.metrics_site_incidents
    total = 0
    with transaction.atomic():
        for i, s in enumerate(sites):
            frame = incident_frame(
                rng,
                int(per_site[i]),
                years=scale.years,
                lat=float(s.latitude),
                lon=float(s.longitude),
                id_prefix="B",
                offense_codes=list(offense_ids),
            )
            frame["offense_id"] = frame.pop("offense").map(offense_ids)
            frame.insert(0, "site_id", s.pk)
            frame.insert(1, "source", SOURCE)
            frame["description"] = ""
            frame["upload_id"] = uploads["incidents"][s.pk]
            copy_frame("metrics_incident", frame)
            total += len(frame)
    seconds["incidents (COPY)"] = time.perf_counter() - t
    rows["incidents"] = total
    log(f"  incidents: {total:,} rows in {seconds['incidents (COPY)']:.1f} s")

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    seconds["analyze"] = time.perf_counter() - t
    return Generated(seconds=seconds, rows=rows)


def incident_csv_blocks(
    n: int, *, seed: int, years: int = 10, lat: float = 38.0, lon: float = -97.0, change: float = 0
) -> Iterator[str]:
    """An incident file of ``n`` rows as CSV text blocks, header first (for the import bench).

    ``change`` > 0 alters that share of rows' killed/injured counts: a corrected re-send.
    """
    rng = np.random.default_rng(seed)
    changes = np.random.default_rng(seed + 1)  # a separate stream: the same rows, some altered
    yield "incident_id,date,offense,latitude,longitude,killed,injured\n"
    block = 250_000
    for start in range(0, n, block):
        k = min(block, n - start)
        frame = incident_frame(
            rng, k, years=years, lat=lat, lon=lon, id_prefix="F", offense_codes=list(MEANS)
        )
        frame["external_id"] = [f"F{i:08d}" for i in range(start, start + k)]
        if change:
            hit = changes.random(k) < change
            frame.loc[hit, "injured"] = frame.loc[hit, "injured"] + 1
        yield frame.to_csv(index=False, header=False, float_format="%.6f")
