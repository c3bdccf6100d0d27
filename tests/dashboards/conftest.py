"""A small portfolio for dashboard tests: two cohorts, TA, milestones, flags and stored results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from metrics.models import DataQualityFlag
from tests.dashboards.factories import store_violent
from tests.engagements.factories import ActivityFactory, area
from tests.factories import CohortFactory

# Upload fixtures shared with the outcome-data tests (private upload folder, run an import).
from tests.metrics.conftest import _private_uploads, run_import  # noqa: F401


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def portfolio_data(site_a, site_b, pm, liaison_a, today):
    """Alphaville (2024, falling, fresh TA and data) and Betatown (2019, rising, no TA, an
    overdue milestone, an open quality flag, old data)."""
    from engagements.models import Milestone

    site_a.latitude, site_a.longitude = 37.69, -97.33
    site_a.save()
    site_b.cohort = CohortFactory(year=2019)
    site_b.latitude, site_b.longitude = 27.95, -82.46
    site_b.save()
    last = today.replace(day=1) - dt.timedelta(days=1)
    start_a = f"{(last - dt.timedelta(days=700)):%Y-%m}"
    store_violent(site_a, current=1100, base=1234, z=-3.9, counts=[100] * 24, start=start_a)
    store_violent(site_b, current=1500, base=1234, z=5.1, counts=[90] * 24, start="2022-01")
    from metrics.models import MonthlyCount, Offense

    MonthlyCount.objects.create(
        site=site_a,
        month=last.replace(day=1),
        offense=Offense.objects.get(code="homicide"),
        count=3,
        first_count=3,
    )
    MonthlyCount.objects.create(
        site=site_b,
        month=dt.date(2023, 12, 1),
        offense=Offense.objects.get(code="homicide"),
        count=3,
        first_count=3,
    )
    ActivityFactory(
        site=site_a,
        date=today - dt.timedelta(days=3),
        duration_hours=4,
        logged_by=liaison_a,
        core_areas=[area("gun_violence")],
    )
    Milestone.objects.create(
        site=site_b,
        kind="strategic_plan",
        title="Strategic plan",
        due_on=today - dt.timedelta(days=9),
    )
    DataQualityFlag.objects.create(
        site=site_b, rule="DQ3", detail="Outlier", status="open", effect="suspect"
    )
    return site_a, site_b
