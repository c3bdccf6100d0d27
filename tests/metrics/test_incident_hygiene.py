"""DQ9 on stored incidents gives the flags of the pure rule, whichever way it is computed
(aggregated in SQL on PostgreSQL, on loaded rows elsewhere)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.compute import quality as dq
from metrics.models import Incident
from metrics.services.quality import incident_hygiene

pytestmark = pytest.mark.django_db


def store(site, points):
    Incident.objects.bulk_create(
        Incident(
            site=site,
            source="records",
            external_id=f"I{i}",
            occurred_on=dt.date(2024, 1, 1),
            latitude=lat,
            longitude=lon,
        )
        for i, (lat, lon) in enumerate(points)
    )


def pure(site):
    rows = Incident.objects.filter(site=site).values_list("external_id", "latitude", "longitude")
    frame = pd.DataFrame(list(rows), columns=["incident_id", "latitude", "longitude"])
    centroid = (float(site.latitude), float(site.longitude)) if site.latitude is not None else None
    return dq.dq9_incident_hygiene(frame, centroid=centroid).flags


def test_stacked_far_and_ungeocoded_incidents_raise_the_same_flags_as_the_rule(site_a):
    site_a.latitude, site_a.longitude = None, None  # centre = median point
    site_a.save()
    spread = [(39.0 + i * 0.001, -94.5 - i * 0.001) for i in range(150)]
    stacked = [(39.1234565, -94.5555555)] * 5  # ≥ 1% on one point (a rounding tie, too)
    far = [(41.0, -94.5), (39.0, -91.0)]  # 220 km and 300 km away
    missing = [(None, None)] * 10  # 6% without coordinates → under 95% geocoded
    store(site_a, spread + stacked + far + missing)

    flags = incident_hygiene(site_a)

    assert flags == pure(site_a)
    assert sorted(f.key for f in flags) == ["39.123456,-94.555556", "far_points", "geocoding"]


def test_far_points_are_measured_from_the_sites_own_coordinates_when_it_has_them(site_a):
    site_a.latitude, site_a.longitude = 30, -90
    site_a.save()
    store(site_a, [(39.0 + i * 0.001, -94.5) for i in range(120)])

    flags = incident_hygiene(site_a)

    assert flags == pure(site_a)
    assert [f.message for f in flags] == ["120 points far outside the site."]


def test_a_site_without_incidents_has_no_hygiene_flags(site_a):
    assert incident_hygiene(site_a) == []
