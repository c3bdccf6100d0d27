"""Tier 3 on the pages (docs/metrics.md §8, §9.6): a site linked to the comparison pool shows
its synthetic comparison with counts, donors, fit and caution; a site with no comparison says
why; the portfolio pools the sites with a forest plot, naming only the sites a reader may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from metrics.models import ComparisonLink, ComparisonPlace, PooledEffect
from metrics.services.runs import metrics_compute_site
from tests.factories import SiteFactory
from tests.metrics.engine.factories import SITE_PLACE, store_pool, synthetic_pool

pytestmark = pytest.mark.django_db


def siteville(pm, start: dt.date):
    """The pool's "Siteville" as a site (200,000 people) engaged from ``start``."""
    return SiteFactory(
        name="Siteville", state="KS", population=200_000, engagement_start=start, program_manager=pm
    )


@pytest.fixture
def linked(pm):
    frame, places = synthetic_pool(effect=0.5)
    store_pool(frame, places)
    site = siteville(pm, dt.date(2016, 1, 1))
    # A second site, "Place 0" of the pool, with no effect: the portfolio pools two sites.
    other = SiteFactory(
        name="Place 0",
        state="KS",
        population=places[("Kansas", "Place 0")],
        engagement_start=dt.date(2016, 1, 1),
        program_manager=pm,
    )
    for s, name in ((site, SITE_PLACE[1]), (other, "Place 0")):
        ComparisonLink.objects.create(site=s, place=ComparisonPlace.objects.get(name=name))
    metrics_compute_site(site=other)
    metrics_compute_site(site=site)
    return site, other


def test_the_dashboard_shows_the_comparison_with_counts_donors_fit_and_caution(
    linked, client_for, pm
):
    site, _ = linked
    body = client_for(pm).get(reverse("dashboards:site", args=[site.slug])).content.decode()
    assert "Compared with similar places that did not get PSP" in body
    assert "Relative to a synthetic comparison of" in body
    assert "nonfatal shooting incidents were" in body
    assert "observed against" in body  # the counts beside the percent
    assert "placebos as extreme" in body
    assert "Pre-period fit (2014-01 to 2015-12)" in body
    assert "the places that make up the synthetic comparison, and their weights" in body
    assert "Place 1, Kansas" in body or "Place 2, Kansas" in body
    assert "Caution:" in body and "not an experiment" in body
    assert 'id="tier3-nonfatal_shooting_incidents"' in body  # the chart


def test_the_brief_shows_the_sentence_without_the_chart(linked, client_for, pm):
    site, _ = linked
    body = client_for(pm).get(reverse("dashboards:brief", args=[site.slug])).content.decode()
    assert "Relative to a synthetic comparison of" in body
    assert 'id="tier3-nonfatal_shooting_incidents"' not in body


def test_a_site_without_a_comparison_says_why(client_for, pm):
    frame, places = synthetic_pool()
    store_pool(frame, places)
    site = siteville(pm, dt.date(2018, 1, 1))  # the pool ends in March 2018
    ComparisonLink.objects.create(site=site, place=ComparisonPlace.objects.get(name="Siteville"))
    metrics_compute_site(site=site)
    body = client_for(pm).get(reverse("dashboards:site", args=[site.slug])).content.decode()
    assert "No comparison for fatal shootings over 12 months" in body
    assert "do not cover the months after engagement yet" in body


def test_the_portfolio_pools_the_sites_with_a_forest_plot(linked, client_for, pm, liaison_a):
    assert (
        PooledEffect.objects.get(tier=3, offense="nonfatal_shooting_incidents").value["n_sites"]
        == 2
    )
    body = client_for(pm).get(reverse("dashboards:portfolio")).content.decode()
    assert "Across the portfolio: pooled estimates" in body
    assert "across 2 sites; τ² = " in body
    assert 'id="forest-3-nonfatal_shooting_incidents"' in body
    assert "Siteville" in body
