"""The site dashboard's "What changed" section: YTD, year over year, CompStat windows, rates per
100,000 with their population year, near-repeat and the minimum detectable effect, read from
stored results and checked against hand computation (docs/metrics.md §2 fixture, §6, §7.5)."""

from __future__ import annotations

import math

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.selectors.changes import comparison_text, near_repeat_text
from metrics.compute.descriptive import compare_counts
from metrics.compute.power import RTM_CAUTION
from metrics.engine.build.descriptive import _change
from tests.dashboards.factories import store, store_violent


def stored(current: int, base: int) -> dict:
    """A comparison as the engine stores it (JSON: an unbounded limit becomes null)."""
    values, _ = compare_counts(current, base)
    value = {"current": current, "base": base, **_change(values)}
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in value.items()
    }


def test_ytd_fixture_reads_counts_first_with_interval_and_p() -> None:
    # docs/metrics.md D2: 30 against 40 → −10, −25.0%, z −1.695, p 0.282, RR 0.75 (0.451–1.235).
    # By hand: z = 2(√30 − √40) = −1.6947; the exact CI upper limit is 1.2347 → 1.23.
    assert comparison_text(stored(30, 40)) == (
        "30 against 40: \u221210 (\u221225.0%, Poisson z \u22121.69); "
        "rate ratio 0.75, 95% CI 0.45 to 1.23, p = 0.28."
    )


def test_a_small_base_keeps_counts_and_interval_but_no_percent() -> None:
    # D5: March 2024 against March 2023, 8 against 16 (base under 20: no −50% headline).
    text = comparison_text(stored(8, 16))
    assert text.startswith("8 against 16: \u22128 (base under 20: no percent change)")
    assert "%" not in text.split(";")[0].replace("base under 20", "")
    assert "rate ratio 0.50, 95% CI 0.19 to 1.24, p = 0.15" in text


def test_zero_bases_read_as_the_spec_says() -> None:
    # §1: 0 → 3 "up from 0 to 3", CI from 0.413 to ∞, p 0.25; 0 → 0 "no change (0 → 0)".
    assert comparison_text(stored(3, 0)) == (
        "3 against 0: up from 0 to 3; 95% CI of the rate ratio 0.41 to ∞, p = 0.25."
    )
    assert comparison_text(stored(0, 0)) == "0 against 0: no change (0 → 0)."


def _store_changes(site) -> None:
    params = {"source": "monthly_counts"}
    ytd = stored(30, 40)
    store(
        site,
        "ytd_change",
        value={**ytd, "ytd": 30, "prev_ytd": 40, "as_of": "2024-03"},
        params=params,
    )
    store(
        site,
        "yoy_change",
        value={**stored(8, 16), "month": "2024-03"},
        params={**params, "window": "month"},
    )
    # The §2 fixture: 169 in 2023 for a population of 80,000 → 211.25 → 211.3 (half up);
    # 2024 has three months so far and is left out rather than shown as missing.
    store(
        site,
        "rate_per_100k",
        value={
            "series": [
                {
                    "year": 2023,
                    "count": 169,
                    "rate_per_100k": 1e5 * 169 / 80_000,
                    "status": "ok",
                    "reason": None,
                    "population": 80_000,
                    "population_year": 2023,
                },
                {
                    "year": 2024,
                    "count": None,
                    "rate_per_100k": None,
                    "status": "null",
                    "reason": "missing_months",
                    "population": 80_000,
                    "population_year": 2023,
                },
            ],
            "population": 80_000,
            "population_year": 2023,
        },
        params={**params, "period": "calendar_year"},
    )
    # The comparison places' series is not the site's: never shown as the site's change.
    store(
        site,
        "ytd_change",
        value={**stored(500, 400), "ytd": 500, "prev_ytd": 400, "as_of": "2024-03"},
        params={"source": "comparison_pool"},
    )
    window = stored(25, 16)
    store(
        site,
        "compstat_windows",
        value={
            "as_of": "2024-03-17",
            "d28": {
                **window,
                "status": "ok",
                "reason": None,
                "start": "2024-02-19",
                "end": "2024-03-17",
                "base_start": "2023-02-20",
                "base_end": "2023-03-19",
            },
            "wtd": {
                "status": "null",
                "reason": "outside_coverage",
                "start": "2024-03-11",
                "end": "2024-03-17",
                "base_start": "2023-03-13",
                "base_end": "2023-03-19",
            },
        },
        params={"source": "incidents"},
    )
    store(
        site,
        "near_repeat",
        "",
        value={
            "observed": [[12, 3], [4, 5]],
            "expected": [[6.5, 3.1], [4.2, 5.0]],
            "p": [[0.01, 0.5], [0.6, 0.9]],
            "permutations": 99,
            "distance_bands_m": [[0, 100], [100, 200]],
            "time_bands_days": [[0, 7], [8, 14]],
        },
        params={},
    )


def test_dashboard_shows_the_stored_changes_in_words(client_for, pm, site_a) -> None:
    store_violent(site_a, counts=[14] * 15, start="2023-01")
    _store_changes(site_a)
    body = client_for(pm).get(reverse("dashboards:site", args=[site_a.slug])).content.decode()
    section = body.split('data-testid="site-changes"')[1].split("</section>")[0]
    assert "Year to date</strong> (Jan–Mar 2024 against Jan–Mar 2023): 30 against 40" in section
    assert "Year over year</strong> (Mar 2024 against Mar 2023): 8 against 16" in section
    assert "500 against 400" not in body
    assert "2023</strong>: 211.3 per 100,000 (169 counted; population 80,000, 2023 figure)" in (
        section
    )
    assert "2024</strong>" not in section
    assert "28 days</strong> (Feb 19, 2024 – Mar 17, 2024 against Feb 20, 2023 – Mar 19, 2023)" in (
        section
    )
    assert "25 against 16: +9 (base under 20: no percent change)" in section
    assert "Week to date</strong>" in section and "not inside the incident data" in section
    assert "12 pairs of incidents within 100 m and 7 days of each other, against 6.5" in section
    assert "p = 0.01" in section
    # Descriptive only: never called an effect of PSP.
    assert "they do not show that PSP caused it" in section
    assert "effect of PSP" not in section


def test_nothing_stored_says_so_and_shows_no_comparison(client_for, pm, site_a) -> None:
    store_violent(site_a, counts=[14] * 15, start="2023-01")
    body = client_for(pm).get(reverse("dashboards:site", args=[site_a.slug])).content.decode()
    section = body.split('data-testid="site-changes"')[1].split("</section>")[0]
    assert "No comparison is stored for violent crime yet." in section
    assert "against" not in section


def test_the_section_adds_no_query(client_for, pm, site_a) -> None:
    store_violent(site_a, counts=[14] * 15, start="2023-01")
    c = client_for(pm)
    url = reverse("dashboards:site", args=[site_a.slug])
    c.get(url)
    with CaptureQueriesContext(connection) as before:
        c.get(url)
    _store_changes(site_a)
    with CaptureQueriesContext(connection) as after:
        body = c.get(url).content.decode()
    assert "30 against 40" in body
    assert len(after.captured_queries) == len(before.captured_queries)


def _headline(site, **value) -> None:
    store(
        site,
        "headline",
        value={
            "offense_label": "Violent crime",
            "sentence": "Violent crime went from 1,234 to 1,150.",
            "caution": RTM_CAUTION,
            "detail": "Too few events to assess change reliably.",
            **value,
        },
        evidence_tier=1,
        params={},
    )


def test_the_minimum_detectable_effect_stands_beside_the_headline(client_for, pm, site_a) -> None:
    _headline(site_a, too_few_events=False, mde_pct=27)
    body = client_for(pm).get(reverse("dashboards:site", args=[site_a.slug])).content.decode()
    assert "Minimum detectable effect: with these counts only a change of about 27%" in body


def test_too_few_events_states_the_mde_once(client_for, pm, site_a) -> None:
    _headline(site_a, too_few_events=True, mde_pct=62)
    body = client_for(pm).get(reverse("dashboards:site", args=[site_a.slug])).content.decode()
    assert body.count("62%") == 1
    assert "Minimum detectable effect:" not in body


def test_near_repeat_not_computed_says_why() -> None:
    row = {"status": "null", "reason": "too_few_incidents", "value": {}}
    assert near_repeat_text(row) == (
        "Near-repeat pattern: not computed (too few geocoded incidents)."
    )
    assert near_repeat_text(None) == ""
