"""Fixtures for engine tests: a site with ten years of monthly counts around its engagement."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import SiteFactory
from tests.metrics.engine.factories import add_violent_components

MEANS = {"homicide": 3.0, "rape": 8.0, "robbery": 30.0, "aggravated_assault": 60.0}


@pytest.fixture
def engaged_site(db, pm):
    """Engagement started Jan 2020; monthly components Jan 2016 – Dec 2023 (96 months)."""
    site = SiteFactory(
        name="Gammaburg",
        slug="gammaburg",
        population=80_000,
        engagement_start=dt.date(2020, 1, 15),
        engagement_end=dt.date(2023, 1, 15),
        program_manager=pm,
        latitude=37.69,
        longitude=-97.33,
    )
    add_violent_components(site, "2016-01", 96, MEANS)
    return site
