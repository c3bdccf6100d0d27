"""Every page gets htmx from base.html, once and before the page's own scripts (charts.js looks
for it), as a same-origin file: the strict script policy holds."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from psp.accounts.models import User
from sites.models import Site
from tests.engagements.factories import EngagementFactory

pytestmark = pytest.mark.django_db

HTMX = "/static/vendor/htmx/htmx.min.js"


def scripts(body: str) -> list[str]:
    return re.findall(r"<script\b([^>]*)>", body)


def test_htmx_is_loaded_once_by_the_base_template_on_pages_that_poll_or_swap(
    client_for: Callable[[User], Client], pm: User, site_a: Site
) -> None:
    c = client_for(pm)
    engagement = EngagementFactory(site=site_a)
    for url in (
        reverse("engagements:plan", args=[site_a.slug]),
        reverse("engagements:engagement", args=[site_a.slug, engagement.pk]),
        reverse("sites:detail", args=[site_a.slug]),
    ):
        srcs = [s for s in scripts(c.get(url).content.decode()) if HTMX in s]
        assert len(srcs) == 1, url


def test_htmx_comes_before_the_chart_script(
    client_for: Callable[[User], Client], pm: User, site_a: Site
) -> None:
    c = client_for(pm)
    body = c.get(reverse("dashboards:site", args=[site_a.slug])).content.decode()
    assert body.index(HTMX) < body.index("/static/js/charts.js")
    assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts(body))
