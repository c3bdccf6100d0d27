"""Tier 3 in Chromium (docs/metrics.md §8, §9.6): a site linked to the comparison pool shows its
synthetic comparison drawn with the placebo band and its table, and the portfolio its forest
plot; both pages pass axe-core, with every outside request blocked."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.models import ComparisonLink, ComparisonPlace
from metrics.services.runs import metrics_compute_site
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, SiteFactory
from tests.metrics.engine.factories import store_pool, synthetic_pool

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def linked(pm):
    frame, places = synthetic_pool(effect=0.5)
    store_pool(frame, places)
    sites = []
    for name in ("Siteville", "Place 0"):
        site = SiteFactory(
            name=name,
            state="KS",
            population=places[("Kansas", name)],
            engagement_start=dt.date(2016, 1, 1),
            program_manager=pm,
        )
        ComparisonLink.objects.create(site=site, place=ComparisonPlace.objects.get(name=name))
        metrics_compute_site(site=site)
        sites.append(site)
    return sites[0]


def test_tier3_panels_draw_and_pass_axe(page, linked, pm):
    sign_in(page, pm.email, TEST_PASSWORD)
    page.goto(f"/sites/{linked.slug}/dashboard/")
    page.wait_for_selector("#tier3-nonfatal_shooting_incidents .main-svg")
    assert page.get_by_text("Relative to a synthetic comparison of").first.is_visible()
    page.get_by_role("button", name="Show the numbers as a table").last.click()
    assert_accessible(page, "tier3-site-dashboard")
    page.goto("/sites/")
    page.wait_for_selector("#forest-3-nonfatal_shooting_incidents .main-svg")
    assert_accessible(page, "tier3-portfolio")
