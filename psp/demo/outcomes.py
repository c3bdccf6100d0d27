"""Demo outcome data and its metrics: the last steps of ``psp.demo.seed.seed_demo``.

Two kinds of outcome data, both imported through the same importer users have:

- **real** gun-violence incidents from the Gun Violence Archive sample (``demo_data/``) for the
  seven cities it covers, coverage Jan 2014 – Mar 2018;
- **synthetic** monthly counts for all ten sites — ten years to the last complete month,
  deterministic (seeded per site), scaled to population with seasonality and a gentle trend —
  marked as demo data on the upload and on every page that shows them. Deliberate quality
  problems make the flags visible: Pueblo is missing a month, and Wichita sends a corrected file
  that revises one month; a third, an Oxford month three times its usual level, shows a
  headline's sensitivity line.

Idempotent: a site that already has its demo uploads is left alone, and :func:`compute` leaves
alone a site whose stored results already carry the fingerprint of its current inputs.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.files.base import ContentFile
from django.utils import timezone

from metrics import services
from metrics.models import Upload, UploadKind, UploadStatus
from metrics.services.runs import metrics_compute_site
from psp.accounts.models import User
from psp.demo.sites import SeedReport
from sites.models import Site

GVA_FILE = Path(__file__).parent / "demo_data" / "gva_incidents_sample.csv"
GVA_CITIES = {
    "wichita": ("Kansas", "Wichita"),
    "milwaukee": ("Wisconsin", "Milwaukee"),
    "baton-rouge": ("Louisiana", "Baton Rouge"),
    "pueblo": ("Colorado", "Pueblo"),
    "seattle": ("Washington", "Seattle"),
    "springfield": ("Massachusetts", "Springfield"),
    "tampa": ("Florida", "Tampa"),
}
GVA_COVERAGE = (dt.date(2014, 1, 1), dt.date(2018, 3, 1))
DEMO_NOTE = "Synthetic demo data: generated counts, not the site's real figures."

# Yearly offenses per 100,000 residents, roughly the level of mid-size U.S. cities with high
# violence (the demo's scale, not any city's real rate).
RATES = {
    "homicide": 18,
    "rape": 70,
    "robbery": 260,
    "aggravated_assault": 750,
    "nonfatal_shooting_victims": 70,
    "burglary": 700,
    "larceny": 2600,
    "motor_vehicle_theft": 520,
}
MISSING_MONTH = ("pueblo", 20)  # months before the last one
REVISED = ("wichita", 3, "aggravated_assault", 1.25)  # months back, offense, factor
# A month far above its expectation inside Oxford's pre-engagement window: the DQ3 rule flags
# it, it stays in the headline and the headline says what it would be without it (§7.3).
SPIKE = ("oxford", "2020-08", "aggravated_assault", 3)  # site, month, offense, factor
YEARS = 10


def _last_complete_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def synthetic_counts(site: Site, last: dt.date) -> pd.DataFrame:
    """Deterministic monthly counts for ``site`` (long layout), ten years up to ``last``."""
    rng = np.random.default_rng(zlib.crc32(site.slug.encode()))
    months = pd.period_range(end=pd.Period(last, freq="M"), periods=12 * YEARS, freq="M")
    population = site.population or 100_000
    level = rng.uniform(0.6, 1.5)
    t = np.arange(len(months)) / 12.0
    trend = np.exp(rng.uniform(-0.04, 0.01) * t)
    season = 1 + 0.05 * np.sin(2 * np.pi * (months.month.to_numpy() - 4) / 12)
    frames = []
    for code, rate in RATES.items():
        mean = population / 100_000 * rate / 12 * level * rng.uniform(0.8, 1.2) * trend * season
        frames.append(
            pd.DataFrame(
                {
                    "month": months.strftime("%Y-%m"),
                    "offense": code,
                    "count": rng.poisson(mean),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    if site.slug == MISSING_MONTH[0]:
        frame = frame[frame["month"] != str(months[-1 - MISSING_MONTH[1]])]
    if site.slug == SPIKE[0]:
        spike = (frame["month"] == SPIKE[1]) & (frame["offense"] == SPIKE[2])
        frame.loc[spike, "count"] *= SPIKE[3]
    return frame


TRUST_METHOD = "Resident survey, address-based sample (synthetic demo data)"
TRUST_MEASURES = (("Trust in police (0-100 index)", 52.0), ("Feel safe in neighborhood (%)", 61.0))


def synthetic_trust(site: Site, last: dt.date) -> pd.DataFrame:
    """Twice-yearly resident-survey waves from the engagement start (one wave before it), with
    a slight drift and sampling noise; deterministic per site. Demo data, labelled as such."""
    if site.engagement_start is None:
        return pd.DataFrame()
    rng = np.random.default_rng(sum(site.slug.encode()))
    first = pd.Period(site.engagement_start, freq="Q") - 1
    waves = [
        q
        for q in pd.period_range(first, pd.Period(last, freq="Q"), freq="2Q")
        if q.end_time.date() <= last
    ]
    rows = []
    for i, wave in enumerate(waves):
        n = int(rng.integers(350, 900))
        for measure, base in TRUST_MEASURES:
            value = base + 1.5 * i + rng.normal(0, 100 * (0.25 / n) ** 0.5)
            rows.append(
                {
                    "period": f"{wave.year}-Q{wave.quarter}",
                    "measure": measure,
                    "value": round(min(max(value, 0), 100), 1),
                    "sample_size": n,
                    "method": TRUST_METHOD,
                }
            )
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def _import(
    site: Site, *, kind: str, content: bytes, name: str, actor: User | None, **options: object
) -> Upload | None:
    upload = services.upload_receive(
        site=site,
        kind=kind,
        file=ContentFile(content, name=name),
        name=name,
        acting_user=actor,
        **options,  # type: ignore[arg-type]
    )
    if upload.status != UploadStatus.VALIDATED:
        raise RuntimeError(f"Demo file {name} did not pass its checks: {upload.errors[:3]}")
    return services.upload_import_now(upload=upload, acting_user=actor)


def seed(report: SeedReport) -> None:
    """Import the demo outcome data of every seeded site that does not have it yet."""
    actor = User.objects.filter(email="admin@psp.example").first()
    last = _last_complete_month(timezone.localdate())
    gva = None
    for site in Site.objects.order_by("slug"):
        uploads = Upload.objects.filter(site=site, status=UploadStatus.IMPORTED)
        if site.slug in GVA_CITIES and not uploads.filter(source="gva").exists():
            if gva is None:
                gva = pd.read_csv(GVA_FILE, dtype=str, keep_default_na=False)
            state, city = GVA_CITIES[site.slug]
            rows = gva[(gva["state"] == state) & (gva["city_or_county"] == city)]
            _import(
                site,
                kind=UploadKind.INCIDENTS,
                content=_csv(rows),
                name=f"gva-{site.slug}-2014-2018.csv",
                actor=actor,
                preset="gva",
                coverage_start=GVA_COVERAGE[0],
                coverage_end=GVA_COVERAGE[1],
                note="Incident data: Gun Violence Archive (gunviolencearchive.org)",
            )
            report.created.append(f"GVA incidents {site.slug}")
        trust = synthetic_trust(site, last)
        if not trust.empty and not uploads.filter(kind=UploadKind.TRUST_SURVEY).exists():
            _import(
                site,
                kind=UploadKind.TRUST_SURVEY,
                content=_csv(trust),
                name=f"demo-trust-survey-{site.slug}.csv",
                actor=actor,
                is_demo=True,
                note=DEMO_NOTE,
            )
            report.created.append(f"demo trust survey {site.slug}")
        demo = uploads.filter(kind=UploadKind.MONTHLY_COUNTS, is_demo=True)
        if not demo.exists():
            frame = synthetic_counts(site, last)
            _import(
                site,
                kind=UploadKind.MONTHLY_COUNTS,
                content=_csv(frame),
                name=f"demo-monthly-counts-{site.slug}.csv",
                actor=actor,
                is_demo=True,
                note=DEMO_NOTE,
            )
            report.created.append(f"demo monthly counts {site.slug}")
            if site.slug == REVISED[0]:
                _, back, code, factor = REVISED
                month = str(pd.Period(last, freq="M") - back)
                mask = (frame["month"] == month) & (frame["offense"] == code)
                corrected = frame[mask].copy()
                corrected["count"] = (corrected["count"] * factor).round()
                _import(
                    site,
                    kind=UploadKind.MONTHLY_COUNTS,
                    content=_csv(corrected.astype({"count": "int64"})),
                    name=f"demo-monthly-counts-{site.slug}-corrected.csv",
                    actor=actor,
                    is_demo=True,
                    note=f"{DEMO_NOTE} A corrected figure for {month}.",
                )
                report.created.append(f"demo revision {site.slug}")


def compute(report: SeedReport) -> None:
    """Compute every site's metrics now (synchronously); record in ``report`` each site whose
    results changed."""
    for site in Site.objects.order_by("slug"):
        summary = metrics_compute_site(site=site)
        if summary.outcome == "written":
            report.created.append(f"metrics {site.slug} ({summary.results} results)")
