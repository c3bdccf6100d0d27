"""Flags that tie on the ordering fields (the population rule's flags have no month and one
scope; only the year in ``key`` differs) are listed in one stable order on every page, not in
whatever order the database happens to store them: a restored backup shows the same pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from metrics.models import DataQualityFlag

pytestmark = pytest.mark.django_db


@pytest.fixture
def population_flags(site_a):
    for year in ("2023", "2021", "2022"):  # stored out of order
        DataQualityFlag.objects.create(
            site=site_a,
            rule="DQ8",
            scope="population",
            key=year,
            effect="warning",
            detail=f"No population for {year}: its rates use 2020's.",
        )


def years_in_order(html: str) -> list[str]:
    return re.findall(r"No population for (\d{4})", html)


@pytest.mark.parametrize("page", ["metrics:data", "dashboards:site"])
def test_tied_flags_are_listed_by_their_key(page, client_for, liaison_a, site_a, population_flags):
    response = client_for(liaison_a).get(reverse(page, args=[site_a.slug]))
    assert response.status_code == 200
    listed = years_in_order(response.content.decode())
    assert listed, "the page lists the open flags"
    assert listed == sorted(listed)
