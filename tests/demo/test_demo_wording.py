"""§7.5 on every demo page (docs/metrics.md §7.3, §7.5): each demo site's dashboard and brief are
read as a user reads them, and no sentence may contradict the figure beside it."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from metrics.models import Incident, MetricResult
from psp.accounts.models import User
from sites.models import Site

pytestmark = pytest.mark.django_db

CAUTION = "Caution: sites join PSP after unusually violent periods"


def text_of(page: str) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def headline_items(page: str) -> list[str]:
    """The text of each headline item of the dashboard's headline list."""
    block = page.split('data-testid="metrics-headlines"', 1)[1].split("</ul>", 1)[0]
    return [text_of(li) for li in re.findall(r"<li\b.*?</li>", block, flags=re.S)]


@pytest.fixture
def admin_client(demo_seed: object) -> Client:
    client = Client()
    client.force_login(User.objects.get(email="admin@psp.example"))
    return client


def test_no_demo_page_contradicts_its_figures(admin_client: Client) -> None:
    fatal_sites = set(
        Incident.objects.filter(offense__code="fatal_shooting_incidents").values_list(
            "site__slug", flat=True
        )
    )
    assert fatal_sites, "the GVA demo sites have fatal shootings"
    sensitivity_seen = False
    for site in Site.objects.order_by("slug"):
        dashboard = admin_client.get(f"/sites/{site.slug}/dashboard/")
        brief = admin_client.get(f"/sites/{site.slug}/brief/")
        assert dashboard.status_code == brief.status_code == 200, site.slug
        page, brief_text = dashboard.content.decode(), text_of(brief.content.decode())
        items = headline_items(page)
        heads = {
            h.offense: h
            for h in MetricResult.objects.filter(site=site, metric="headline", status="ok")
        }
        for item in items:
            # "Too few events" never beside a significant result (a p-value or a CI that
            # excludes no change would be one).
            if "too few events" in item.lower():
                assert "p < " not in item and " fell " not in item and " rose " not in item, item
        for h in heads.values():
            if h.value["significant"]:
                assert not h.value["too_few_events"], (site.slug, h.offense)
            sens = h.value.get("sensitivity")
            if sens:
                sensitivity_seen = True
                n = len(sens["excluded_months"])
                assert f"Without the {n} flagged month" in text_of(page), (site.slug, h.offense)
        for text in (text_of(page), brief_text):
            # 0 → 0 reads "no change (0 → 0)", never a percent or "from 0 to 0".
            assert "from 0 to 0" not in text and "0 to 0 (" not in text, site.slug
            for hit in re.finditer("0 → 0", text):
                assert text[max(0, hit.start() - 11) : hit.start()] == "no change (", site.slug
            # The caution once: never repeated, and always there beside a comparison.
            assert text.count(CAUTION) == 1 if heads else text.count(CAUTION) <= 1, site.slug
        if site.slug in fatal_sites:
            assert "fatal_shooting_incidents" in heads or any(
                r.offense == "fatal_shooting_incidents"
                for r in MetricResult.objects.filter(site=site, metric="headline")
            ), site.slug
            assert any(i.startswith("Fatal shootings:") for i in items), site.slug
    # Oxford's deliberate spike month (psp/demo/outcomes.py) is flagged, kept in, and its
    # headlines say what they would be without it.
    assert sensitivity_seen
