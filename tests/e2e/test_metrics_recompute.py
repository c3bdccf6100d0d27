"""Staff read the crime-trend headline on a site page, press Recompute and watch the run finish
(HTMX polling under the strict CSP); both pages pass axe-core."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.models import OFFENSES, Offense
from metrics.services.runs import metrics_compute_site
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD
from tests.metrics.engine.factories import add_monthly

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site_with_metrics(site_a):
    for order, (code, name, derived) in enumerate(OFFENSES, start=1):
        Offense.objects.get_or_create(
            code=code, defaults={"name": name, "is_derived": derived, "order": order}
        )
    site_a.engagement_start = dt.date(2021, 1, 1)
    site_a.save()
    add_monthly(site_a, "homicide", "2019-01", [0, 1, 0, 0, 1, 0] * 8)
    metrics_compute_site(site=site_a)
    return site_a


def test_staff_reads_headline_and_recomputes(page, pm, site_with_metrics):
    sign_in(page, pm.email, TEST_PASSWORD)
    page.goto(f"/sites/{site_with_metrics.slug}/")
    headlines = page.get_by_test_id("metrics-headlines")
    assert "Too few events to assess change reliably." in headlines.inner_text()
    assert page.get_by_text("Evidence tier 1").is_visible()
    assert_accessible(page, "site-metrics-headline")

    page.get_by_role("button", name="Recompute metrics").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Recomputing the metrics of Alphaville").is_visible()
    # Tasks run in-process in the test settings: the run is done by the time the page shows.
    page.get_by_text("Done").first.wait_for()
    assert page.get_by_text("Results were already current").is_visible()
    assert_accessible(page, "metrics-run-status")
