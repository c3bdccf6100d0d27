"""charts.js draws charts in content htmx swaps in, and draws none twice: on a site dashboard
whose charts are drawn at load, htmx swaps in a fragment holding a chart (rendered from the
real chart template) and the browser draws it once, with its table toggle wired once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, Route, expect

from metrics.services.runs import metrics_compute_site
from sites.models import Site
from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD
from tests.metrics.engine.factories import add_violent_components

pytestmark = pytest.mark.django_db(transaction=True)

FRAGMENT_PATH = "/e2e/swapped-chart/"
MEANS = {"homicide": 2.0, "rape": 6.0, "robbery": 30.0, "aggravated_assault": 80.0}

# Runs before the page's scripts: wraps Plotly.newPlot, once plotly.js defines it, to record
# the id of every element drawn (plotly's exports are getters, hence the proxy).
COUNT_DRAWS = """
(() => {
  window.__draws = [];
  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get() { return plotly; },
    set(value) {
      const newPlot = (el, ...rest) => {
        window.__draws.push(el.id);
        return value.newPlot(el, ...rest);
      };
      plotly = new Proxy(value, { get: (t, k) => (k === "newPlot" ? newPlot : Reflect.get(t, k)) });
    },
  });
})();
"""

# A trigger and a target added to the page, then handed to htmx (no inline script on the page).
ADD_TRIGGER = """
(path) => {
  const button = document.createElement("button");
  button.type = "button";
  button.id = "swap-in";
  button.textContent = "Load another chart";
  button.setAttribute("hx-get", path);
  button.setAttribute("hx-target", "#swap-target");
  const target = document.createElement("div");
  target.id = "swap-target";
  document.querySelector("main").append(button, target);
  htmx.process(button);
}
"""


def swapped_fragment() -> str:
    chart: dict[str, Any] = {
        "id": "chart-swapped",
        "figure": {
            "data": [{"type": "bar", "x": ["2025", "2026"], "y": [12, 9], "name": "Robbery"}],
            "layout": {"title": {"text": "Swapped in"}},
        },
        "title": "Robbery by year (swapped in)",
        "caption": "Source: a fragment swapped in by htmx.",
        "headers": ["Year", "Robbery"],
        "rows": [["2025", 12], ["2026", 9]],
    }
    return render_to_string("metrics/_chart.html", {"chart": chart})


@pytest.fixture
def computed(site_a: Site) -> Site:
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    start = dt.date(last.year - 3, last.month, 1)
    add_violent_components(site_a, f"{start:%Y-%m}", 36, MEANS, seed=5)
    metrics_compute_site(site=site_a)
    return site_a


def test_a_chart_swapped_in_by_htmx_is_drawn_once(
    page: Page, cast: dict[str, Any], computed: Site
) -> None:
    fragment = swapped_fragment()

    def serve(route: Route) -> None:
        assert route.request.headers.get("hx-request") == "true"
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=fragment)

    page.route(f"**{FRAGMENT_PATH}", serve)
    page.add_init_script(COUNT_DRAWS)
    sign_in(page, cast["pm"].email, TEST_PASSWORD)
    page.goto(f"/sites/{computed.slug}/dashboard/")

    charts = page.locator(".psp-chart[data-figure]")
    assert charts.count() > 0
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_attribute("data-drawn", "true")
    at_load = page.evaluate("window.__draws")
    ids = charts.evaluate_all("els => els.map(e => e.id)")
    assert sorted(at_load) == sorted(ids)  # each chart drawn once at load (htmx's start too)

    page.evaluate(ADD_TRIGGER, FRAGMENT_PATH)
    page.locator("#swap-in").click()
    swapped = page.locator("#chart-swapped")
    expect(swapped).to_have_attribute("data-drawn", "true")
    expect(swapped.locator(".main-svg").first).to_be_visible()
    assert page.evaluate("window.__draws") == [*at_load, "chart-swapped"]

    toggle = page.locator("#swap-target button.psp-table-toggle")
    toggle.click()  # wired twice, one click would open and close the table again
    expect(page.locator("#chart-swapped-table")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
