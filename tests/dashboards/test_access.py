"""Every dashboard URL for every role: anonymous → sign in, outsider → 404 on a site's pages,
read-only roles see no controls, staff-only pages → 403 for others, wrong method → 405."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dashboards.factories import store

SITE_PAGES = ["dashboards:site", "dashboards:brief"]
PORTFOLIO_PAGES = [
    ("dashboards:core_areas", []),
    ("dashboards:core_area", ["gun_violence"]),
    ("dashboards:portfolio_export", ["csv"]),
    ("dashboards:portfolio_export", ["xlsx"]),
]


@pytest.mark.parametrize("name", SITE_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("pm", 200),
        ("auditor", 200),
        ("liaison_a", 200),
        ("partner_a", 200),
        ("liaison_b", 404),
        ("outsider", 404),
    ],
)
def test_site_pages_by_role(client_for, cast, site_a, name, role, status):
    response = client_for(cast[role]).get(reverse(name, args=[site_a.slug]))
    assert response.status_code == status


@pytest.mark.parametrize("name", SITE_PAGES)
def test_site_pages_need_sign_in_and_refuse_post(client, client_for, admin, site_a, name):
    url = reverse(name, args=[site_a.slug])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(admin).post(url).status_code == 405


def test_unknown_site_is_404_like_a_hidden_one(client_for, liaison_b, site_a):
    c = client_for(liaison_b)
    assert c.get(reverse("dashboards:site", args=["nowhere"])).status_code == 404
    assert c.get(reverse("dashboards:site", args=[site_a.slug])).status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_button"),
    [("admin", True), ("pm", True), ("auditor", False), ("liaison_a", False), ("partner_a", False)],
)
def test_only_staff_who_may_recompute_see_the_button(client_for, cast, site_a, role, sees_button):
    store(
        site_a,
        "headline",
        value={"offense_label": "Violent crime", "sentence": "x", "caution": "c"},
        params={},
        evidence_tier=1,
    )
    body = (
        client_for(cast[role]).get(reverse("dashboards:site", args=[site_a.slug])).content.decode()
    )
    assert (reverse("metrics:recompute", args=[site_a.slug]) in body) is sees_button


@pytest.mark.parametrize(("name", "args"), PORTFOLIO_PAGES)
def test_portfolio_wide_pages_need_sign_in_and_refuse_post(client, client_for, admin, name, args):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302
    assert client_for(admin).post(url).status_code == 405


@pytest.mark.parametrize(("name", "args"), PORTFOLIO_PAGES)
def test_outsider_gets_empty_portfolio_wide_pages(client_for, outsider, site_a, name, args):
    response = client_for(outsider).get(reverse(name, args=args))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Alphaville" not in body


def test_core_area_pages_are_scoped_to_the_users_sites(client_for, liaison_b, site_a, site_b):
    from tests.engagements.factories import EngagementFactory, area

    EngagementFactory(site=site_a, core_area=area("gun_violence"))
    EngagementFactory(site=site_b, core_area=area("gun_violence"))
    body = (
        client_for(liaison_b)
        .get(reverse("dashboards:core_area", args=["gun_violence"]))
        .content.decode()
    )
    assert "Betatown" in body and "Alphaville" not in body


def test_unknown_core_area_is_404(client_for, pm):
    assert client_for(pm).get(reverse("dashboards:core_area", args=["nope"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("pm", 200),
        ("auditor", 200),
        ("liaison_a", 403),
        ("partner_a", 403),
        ("outsider", 403),
    ],
)
def test_workload_is_for_staff_wide_roles(client_for, cast, role, status):
    assert client_for(cast[role]).get(reverse("dashboards:workload")).status_code == status


def test_workload_needs_sign_in_and_refuses_post(client, client_for, admin):
    url = reverse("dashboards:workload")
    assert client.get(url).status_code == 302
    assert client_for(admin).post(url).status_code == 405


def test_dashboard_pages_carry_a_strict_csp_and_no_inline_script(client_for, pm, site_a, site_b):
    import re

    from tests.dashboards.factories import store_violent

    store_violent(site_a)
    c = client_for(pm)
    urls = [
        reverse("dashboards:portfolio"),
        reverse("sites:detail", args=[site_a.slug]),
        reverse("dashboards:site", args=[site_a.slug]),
        reverse("dashboards:brief", args=[site_a.slug]),
        reverse("dashboards:core_areas"),
        reverse("dashboards:core_area", args=["gun_violence"]),
        reverse("dashboards:workload"),
    ]
    for url in urls:
        response = c.get(url)
        policy = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        )
        body = response.content.decode()
        scripts = re.findall(r"<script\b([^>]*)>", body)
        # Every script is a same-origin file, or JSON data (json_script), which never runs.
        assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts), url
        assert not re.search(r"\son[a-z]+=\"", body), url  # no inline event handlers
