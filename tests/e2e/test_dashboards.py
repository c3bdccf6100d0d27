"""BJA staff read the portfolio and a site in Chromium with every outside request blocked: filter
by cohort, sort by trend, open Tampa, see drawn charts and their tables, print the one-page brief;
a liaison sees only their sites. axe-core checks each dashboard page; screenshots at 1280×800 go
to docs/screenshots/ (linked from the README) when PSP_DOCS_SCREENSHOTS=1."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from pypdf import PdfReader

from engagements.models import Milestone
from metrics.services.runs import metrics_compute_site
from tests.e2e.conftest import SCREENSHOTS, assert_accessible, sign_in
from tests.engagements.factories import (
    ActionItemFactory,
    ActivityFactory,
    EngagementFactory,
    area,
)
from tests.factories import TEST_PASSWORD, AgencyFactory, CohortFactory, SiteFactory
from tests.metrics.engine.factories import add_incidents, add_violent_components, incident_upload

pytestmark = pytest.mark.django_db(transaction=True)

# The README's screenshots are refreshed on request only (PSP_DOCS_SCREENSHOTS=1): a test run
# must not rewrite tracked files, so by default they go with the other e2e screenshots.
DOCS_SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("PSP_DOCS_SCREENSHOTS") == "1"
    else SCREENSHOTS / "docs"
)
MEANS = {"homicide": 4.0, "rape": 12.0, "robbery": 60.0, "aggravated_assault": 170.0}


def _months_to_last(n: int) -> str:
    today = dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    y, m = last.year, last.month - (n - 1)
    while m <= 0:
        y, m = y - 1, m + 12
    return f"{y}-{m:02d}"


@pytest.fixture
def dashboards(site_a, site_b, liaison_a, pm):
    """Tampa (2024 cohort) with monthly counts, incidents, TA and milestones; Alphaville (2024)
    and Betatown (2019) with counts; metrics computed by the engine, as after an import."""
    site_a.latitude, site_a.longitude = 37.6872, -97.3301
    site_a.save()
    site_b.cohort = CohortFactory(year=2019)
    site_b.latitude, site_b.longitude = 26.1224, -80.1373
    site_b.save()
    tampa = SiteFactory(
        name="Tampa",
        slug="tampa",
        state="FL",
        latitude=27.9506,
        longitude=-82.4572,
        population=384_959,
        engagement_start=dt.date(2025, 1, 6),
        engagement_end=dt.date(2028, 1, 6),
        program_manager=pm,
    )
    start = _months_to_last(72)
    add_violent_components(tampa, start, 72, MEANS, seed=7)
    add_violent_components(site_a, start, 72, {k: v / 3 for k, v in MEANS.items()}, seed=8)
    add_violent_components(site_b, start, 72, MEANS, seed=9)
    rng = np.random.default_rng(3)
    first = dt.date.today().replace(day=1) - dt.timedelta(days=400)
    upload = incident_upload(tampa, first.replace(day=1), dt.date.today().replace(day=1))
    add_incidents(
        tampa,
        [
            (
                f"t{i}",
                first + dt.timedelta(days=int(rng.integers(0, 360))),
                "shots_fired",
                27.95 + float(rng.normal(0, 0.01)),
                -82.46 + float(rng.normal(0, 0.01)),
            )
            for i in range(150)
        ],
        upload=upload,
    )
    atf = AgencyFactory(site=tampa, name="ATF Tampa Field Division", kind="atf")
    ActivityFactory(site=tampa, date=dt.date.today() - dt.timedelta(days=6), agencies=[atf])
    ActivityFactory(site=site_a, date=dt.date.today() - dt.timedelta(days=2))
    ActionItemFactory(
        engagement=EngagementFactory(site=tampa, core_area=area("gun_violence")),
        title="Start biweekly shooting reviews",
    )
    Milestone.objects.create(
        site=tampa,
        kind="assessment_visit",
        title="Assessment visit",
        completed_on=dt.date(2025, 3, 10),
    )
    for site in (tampa, site_a, site_b):
        metrics_compute_site(site=site)
    return tampa


def block_outside(page, live_server) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every request whose host is not the live server; return what was blocked."""
    host = urlparse(live_server.url).netloc
    blocked: list[str] = []

    def handle(route):  # type: ignore[no-untyped-def]
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.context.route("**/*", handle)
    return blocked


def wait_drawn(page, chart_id: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"#{chart_id}[data-drawn='true']")


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"))


def test_staff_filter_sort_open_tampa_read_charts_and_print_brief(
    page, live_server, cast, dashboards
):
    blocked = block_outside(page, live_server)
    sign_in(page, cast["pm"].email, TEST_PASSWORD)
    assert page.get_by_role("heading", name="Site portfolio").is_visible()
    wait_drawn(page, "portfolio-map")
    # The U.S. land came from the locally served topojson; one marker per site.
    assert page.locator("#portfolio-map g.layer.land path").count() == 1
    assert page.locator("#portfolio-map .scattergeo path.point").count() == 3
    assert_accessible(page, "dashboard-portfolio")

    # Filter by cohort 2024, then sort by trend.
    page.get_by_label("Cohort", exact=True).select_option("2024")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.psp-portfolio-table tbody tr")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.site)")) == ["alphaville", "tampa"]
    page.get_by_role("link", name="Violent crime, 12 months").click()
    page.wait_for_load_state("networkidle")
    assert "sort=trend" in page.url and "cohort=2024" in page.url
    header = page.locator("th[aria-sort='ascending']")
    assert header.inner_text().startswith("Violent crime, 12 months")
    wait_drawn(page, "portfolio-map")
    shot(page, "portfolio")

    # Open Tampa: the site page draws its violent-crime chart.
    page.locator("table.psp-portfolio-table").get_by_role("link", name="Tampa", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Tampa, Florida").is_visible()
    wait_drawn(page, "chart-glance")
    assert page.locator("#chart-glance svg .scatterlayer path.point").count() > 12
    assert_accessible(page, "dashboard-site-page")

    # The dashboard: every chart drawn; the numbers of the first one as a table.
    page.get_by_role("link", name="Open the dashboard").click()
    page.wait_for_load_state("networkidle")
    for chart_id in ("chart-monthly-violent_crime", "chart-rolling-violent_crime", "chart-ta"):
        wait_drawn(page, chart_id)
    wait_drawn(page, "chart-hotspots")
    assert page.locator("#chart-hotspots svg .scatterlayer path.point").count() > 20
    assert page.locator("#chart-monthly-violent_crime svg .scatterlayer path.point").count() > 12
    toggle = page.locator("button[aria-controls='chart-monthly-violent_crime-table']")
    assert toggle.inner_text() == "Show the numbers as a table"
    toggle.click()
    table = page.locator("#chart-monthly-violent_crime-table")
    assert table.is_visible()
    assert table.get_by_role("columnheader", name="Status").is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_text("ATF Tampa Field Division").is_visible()
    assert page.get_by_text("Start biweekly shooting reviews").is_visible()
    assert_accessible(page, "dashboard-site")
    toggle.click()
    shot(page, "site-dashboard")

    # Keyboard: the table toggle is reachable with Tab and opens with Enter.
    page.locator("#id_offense").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('psp-table-toggle')"):
            break
    else:
        pytest.fail("Tab never reached a table toggle")
    focused = page.evaluate("document.activeElement.getAttribute('aria-controls')")
    page.keyboard.press("Enter")
    assert page.locator(f"#{focused}").is_visible()

    # The brief prints to one page with the site's name.
    page.get_by_role("link", name="Site brief to print").first.click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "dashboard-brief")
    pdf = PdfReader(io.BytesIO(page.pdf(format="Letter", print_background=True)))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "Tampa, Florida" in text
    assert "Program manager" in text

    # Core areas and workload pass axe too.
    page.goto("/core-areas/")
    assert_accessible(page, "dashboard-core-areas")
    page.get_by_role("link", name="Gun violence").click()
    page.wait_for_load_state("networkidle")
    wait_drawn(page, "chart-area-ta")
    assert_accessible(page, "dashboard-core-area")
    page.goto("/workload/")
    wait_drawn(page, "chart-workload")
    assert_accessible(page, "dashboard-workload")
    assert blocked == [], f"pages tried to reach outside hosts: {blocked}"


def test_liaison_portfolio_shows_only_their_sites(page, live_server, cast, dashboards):
    blocked = block_outside(page, live_server)
    sign_in(page, cast["liaison_a"].email, TEST_PASSWORD)
    assert page.url.endswith("/sites/alphaville/")  # one site: they land on it (issue 17)
    page.goto("/sites/")
    slugs = page.locator("table.psp-portfolio-table tbody tr").evaluate_all(
        "rs => rs.map(r => r.dataset.site)"
    )
    assert slugs == ["alphaville"]
    assert page.get_by_text("Tampa").count() == 0
    wait_drawn(page, "portfolio-map")
    assert_accessible(page, "dashboard-portfolio-liaison")
    assert page.goto("/sites/tampa/dashboard/").status == 404
    assert blocked == []
