"""The fingerprint hashes what the engine loads (``SITE_INPUTS``): editing any stored input of a
site, one at a time, turns its stored results stale; an edit the engine does not read leaves
them fresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import fields
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from metrics.engine.loaders import SITE_INPUTS, SiteInfo
from metrics.models import (
    ComparisonLink,
    ComparisonPlace,
    ComparisonPool,
    DataQualityFlag,
    Incident,
    MonthlyCount,
    Offense,
    StructuralBreak,
    TrustMeasure,
    Upload,
)
from metrics.selectors.results import site_metrics_summary
from metrics.services.runs import metrics_compute_site
from sites.models import Site, SitePopulation
from tests.factories import SiteFactory
from tests.metrics.engine.factories import add_incidents, add_monthly, incident_upload

pytestmark = pytest.mark.django_db

Edit = Callable[[Site], object]


def site_update(**values: object) -> Edit:
    return lambda site: Site.objects.filter(pk=site.pk).update(**values)


def counts(site: Site, month: str, offense: str = "robbery"):
    return MonthlyCount.objects.filter(
        site=site, month=dt.date.fromisoformat(month + "-01"), offense__code=offense
    )


def incident(site: Site, ext: str = "I2"):
    return Incident.objects.filter(site=site, external_id=ext)


def coverage(site: Site):
    return Upload.objects.filter(site=site, kind="incidents")


def link_to_pool(site: Site) -> None:
    """Load a one-place comparison pool and link the site to it (docs/metrics.md §9.6)."""
    pool = ComparisonPool.objects.create(
        sha256="0" * 64,
        file_name="pool.csv",
        rows=1,
        places=1,
        coverage_start=dt.date(2014, 1, 1),
        coverage_end=dt.date(2014, 1, 31),
        source="test",
    )
    place = ComparisonPlace.objects.create(state="Kansas", name="Testville", state_code="KS")
    ComparisonLink.objects.create(site=site, place=place)
    assert pool.pk


def flag(site: Site):
    return DataQualityFlag.objects.filter(site=site, rule="DQ3")


# (input of SITE_INPUTS, edit). Every SiteInfo field results are computed from is edited.
INPUT_EDITS: dict[str, tuple[str, Edit]] = {
    "population": ("site", site_update(population=81_000)),
    "population_year": ("site", site_update(population_year=2021)),
    "population_source": ("site", site_update(population_source="Census ACS 2021")),
    "latitude": ("site", site_update(latitude=Decimal("37.70"))),
    "longitude": ("site", site_update(longitude=Decimal("-97.30"))),
    "engagement_start": ("site", site_update(engagement_start=dt.date(2020, 4, 1))),
    "populations": (
        "site",
        lambda s: SitePopulation.objects.create(site=s, year=2022, population=83_000),
    ),
    "monthly count": ("monthly", lambda s: counts(s, "2023-06").update(count=F("count") + 1)),
    "monthly first count": (
        "monthly",
        lambda s: counts(s, "2023-06").update(first_count=F("first_count") + 1),
    ),
    "monthly status": ("monthly", lambda s: counts(s, "2023-06").update(status="suspect")),
    "monthly offense": (
        "monthly",
        lambda s: counts(s, "2023-06").update(offense=Offense.objects.get(code="burglary")),
    ),
    "monthly month added": ("monthly", lambda s: add_monthly(s, "robbery", "2024-01", [3])),
    "monthly month deleted": ("monthly", lambda s: counts(s, "2023-06").delete()),
    "incident date (inside the range)": (
        "incidents",
        lambda s: incident(s).update(occurred_on=dt.date(2023, 3, 9)),
    ),
    "incident offense": (
        "incidents",
        lambda s: incident(s).update(offense=Offense.objects.get(code="homicide")),
    ),
    "incident latitude": ("incidents", lambda s: incident(s).update(latitude=37.6912)),
    "incident longitude": ("incidents", lambda s: incident(s).update(longitude=-97.3312)),
    "incident external id": ("incidents", lambda s: incident(s).update(external_id="I2b")),
    "incident killed": ("incidents", lambda s: incident(s).update(killed=1)),
    "incident injured": ("incidents", lambda s: incident(s).update(injured=2)),
    "incident deleted": ("incidents", lambda s: incident(s).delete()),
    "coverage start": ("coverage", lambda s: coverage(s).update(coverage_start="2022-12-01")),
    "coverage end": ("coverage", lambda s: coverage(s).update(coverage_end="2023-06-01")),
    "coverage upload no longer imported": (
        "coverage",
        lambda s: coverage(s).update(status="failed"),
    ),
    "flag detail": ("flags", lambda s: flag(s).update(detail="a different finding")),
    "flag month": ("flags", lambda s: flag(s).update(month=dt.date(2023, 7, 1))),
    "flag scope": ("flags", lambda s: flag(s).update(scope="burglary")),
    "flag confirmed": ("flags", lambda s: flag(s).update(status="confirmed")),
    "flag resolved": ("flags", lambda s: flag(s).update(status="resolved")),
    "flag added": (
        "flags",
        lambda s: DataQualityFlag.objects.create(site=s, rule="DQ1", scope="robbery", detail="x"),
    ),
    "break moved": (
        "breaks",
        lambda s: StructuralBreak.objects.filter(site=s).update(month=dt.date(2022, 2, 1)),
    ),
    "comparison link": ("comparison", lambda s: link_to_pool(s)),
    "break added": (
        "breaks",
        lambda s: StructuralBreak.objects.create(
            site=s, month=dt.date(2023, 1, 1), description="new CAD"
        ),
    ),
}

UNRELATED_EDITS: dict[str, Edit] = {
    "site renamed": site_update(name="Gammaburg City"),
    "engagement end": site_update(engagement_end=dt.date(2023, 6, 1)),
    "trust measure": lambda s: TrustMeasure.objects.filter(site=s).update(value=Decimal("0.7")),
    "monthly count's updated_at": lambda s: counts(s, "2023-06").update(
        updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ),
    "a resolved flag added": lambda s: DataQualityFlag.objects.create(
        site=s, rule="DQ1", scope="robbery", detail="x", status="resolved"
    ),
    "another site's counts": lambda s: add_monthly(SiteFactory(), "robbery", "2023-01", [1]),
}


@pytest.fixture
def computed(pm) -> Site:
    """A site with every kind of input, its results computed (and fresh)."""
    site = SiteFactory(
        population=80_000,
        population_year=2020,
        population_source="Census 2020",
        engagement_start=dt.date(2020, 1, 15),
        engagement_end=dt.date(2023, 1, 15),
        latitude=Decimal("37.69"),
        longitude=Decimal("-97.33"),
        program_manager=pm,
    )
    add_monthly(site, "robbery", "2019-01", [10 + i % 5 for i in range(60)])
    upload = incident_upload(site, dt.date(2023, 1, 1), dt.date(2023, 5, 1))
    add_incidents(
        site,
        [
            ("I1", dt.date(2023, 1, 5), "shots_fired", 37.68, -97.33),
            ("I2", dt.date(2023, 2, 5), "shots_fired", 37.69, -97.34),
            ("I3", dt.date(2023, 5, 5), "shots_fired", 37.70, -97.35),
        ],
        upload=upload,
    )
    DataQualityFlag.objects.create(
        site=site, rule="DQ3", scope="robbery", month=dt.date(2023, 6, 1), detail="a spike"
    )
    StructuralBreak.objects.create(site=site, month=dt.date(2022, 1, 1), description="new RMS")
    TrustMeasure.objects.create(
        site=site,
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 3, 31),
        measure="trust in police",
        value=Decimal("0.6"),
    )
    metrics_compute_site(site=site)
    assert is_fresh(site, pm)
    return site


def is_fresh(site: Site, user) -> bool:
    return site_metrics_summary(Site.objects.get(pk=site.pk), user=user).is_fresh


def test_the_edits_below_cover_every_input_the_engine_loads():
    assert {name for name, _ in INPUT_EDITS.values()} == {i.name for i in SITE_INPUTS}
    site_fields = [f.name for f in fields(SiteInfo) if not f.metadata.get("identity")]
    assert set(site_fields) <= set(INPUT_EDITS)


@pytest.mark.parametrize("edit", list(INPUT_EDITS))
def test_editing_a_stored_input_makes_the_results_stale(computed, pm, edit):
    INPUT_EDITS[edit][1](computed)
    assert not is_fresh(computed, pm)
    metrics_compute_site(site=Site.objects.get(pk=computed.pk))
    assert is_fresh(computed, pm)


@pytest.mark.parametrize("edit", list(UNRELATED_EDITS))
def test_an_edit_the_engine_does_not_read_leaves_the_results_fresh(computed, pm, edit):
    UNRELATED_EDITS[edit](computed)
    assert is_fresh(computed, pm)


def test_the_population_source_stored_in_results_is_the_current_one(computed, pm):
    Site.objects.filter(pk=computed.pk).update(population_source="Census ACS 2021")
    assert not is_fresh(computed, pm)  # it used to stay "fresh" with the old source shown
    summary = metrics_compute_site(site=Site.objects.get(pk=computed.pk))
    assert summary.outcome == "written"


def test_a_compute_reads_the_monthly_counts_once(computed):
    """The fingerprint's read of the counts is the one the engine loads from."""
    site = Site.objects.get(pk=computed.pk)
    MonthlyCount.objects.filter(site=site).update(count=F("count") + 1)
    with CaptureQueriesContext(connection) as ctx:
        metrics_compute_site(site=site)
    monthly_reads = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and "metrics_monthlycount" in q["sql"].split("FROM")[1]
    ]
    assert len(monthly_reads) == 1, monthly_reads
