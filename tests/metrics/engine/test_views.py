"""Recompute and run-status pages: every role, every method; the headline on the site page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from metrics.models import MetricRun, MonthlyCount
from metrics.services.runs import metrics_compute_site
from tests.metrics.engine.factories import add_violent_components

pytestmark = pytest.mark.django_db
ROLES = ["admin", "pm", "auditor", "liaison_a", "partner_a", "liaison_b", "outsider"]
RECOMPUTE = {
    "admin": 302,
    "pm": 302,
    "auditor": 403,
    "liaison_a": 403,
    "partner_a": 403,
    "liaison_b": 404,
    "outsider": 404,
}
STATUS = {
    "admin": 200,
    "pm": 200,
    "auditor": 200,
    "liaison_a": 200,
    "partner_a": 200,
    "liaison_b": 404,
    "outsider": 404,
}


@pytest.fixture
def with_data(site_a):
    add_violent_components(
        site_a, "2021-01", 48, {"homicide": 2, "rape": 4, "robbery": 10, "aggravated_assault": 20}
    )
    return site_a


@pytest.fixture
def run_a(site_a):
    return MetricRun.objects.create(site=site_a, status="running", progress=40)


def test_anonymous_is_sent_to_sign_in(client, site_a, run_a):
    for url in (
        reverse("metrics:recompute", args=[site_a.slug]),
        reverse("metrics:run_status", args=[site_a.slug, run_a.pk]),
    ):
        response = client.post(url) if "recompute" in url else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_recompute_by_role(cast, site_a, client_for, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(cast[role]).post(reverse("metrics:recompute", args=[site_a.slug]))
    assert response.status_code == RECOMPUTE[role]
    assert MetricRun.objects.filter(site=site_a).exists() == (RECOMPUTE[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_run_status_by_role(cast, site_a, run_a, client_for, role):
    url = reverse("metrics:run_status", args=[site_a.slug, run_a.pk])
    assert client_for(cast[role]).get(url).status_code == STATUS[role]


def test_wrong_methods_are_refused(client_for, admin, site_a, run_a):
    c = client_for(admin)
    assert c.get(reverse("metrics:recompute", args=[site_a.slug])).status_code == 405
    url = reverse("metrics:run_status", args=[site_a.slug, run_a.pk])
    assert c.post(url).status_code == 405


def test_a_run_of_another_site_is_404(client_for, admin, site_a, site_b):
    other = MetricRun.objects.create(site=site_b)
    url = reverse("metrics:run_status", args=[site_a.slug, other.pk])
    assert client_for(admin).get(url).status_code == 404


def test_staff_recompute_runs_and_lands_on_the_progress_page(
    client_for, pm, with_data, django_capture_on_commit_callbacks
):
    c = client_for(pm)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("metrics:recompute", args=[with_data.slug]), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Recomputing the metrics of Alphaville" in body
    assert "Waiting to start" in body and "htmx.min.js" in body
    run = MetricRun.objects.get()
    body = c.get(reverse("metrics:run_status", args=[with_data.slug, run.pk])).content.decode()
    assert "Done" in body and "results written" in body
    assert (run.trigger, run.requested_by) == ("manual", pm)


def test_progress_fragment_polls_while_running_and_stops_when_done(client_for, pm, site_a, run_a):
    url = reverse("metrics:run_status", args=[site_a.slug, run_a.pk])
    fragment = client_for(pm).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<html" not in fragment
    assert 'value="40"' in fragment
    MetricRun.objects.filter(pk=run_a.pk).update(status="failed", error="Boom: it broke")
    fragment = client_for(pm).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "Boom: it broke" in fragment


def test_site_page_shows_headline_freshness_and_staff_button(client_for, pm, partner_a, with_data):
    metrics_compute_site(site=with_data)
    detail = reverse("sites:detail", args=[with_data.slug])
    body = client_for(pm).get(detail).content.decode()
    assert "Crime trend since engagement" in body
    assert "Evidence tier 1" in body
    assert "Data through <strong>Dec 2024</strong>" in body
    assert "Current" in body and "Recompute metrics" in body
    partner_body = client_for(partner_a).get(detail).content.decode()
    assert "Crime trend since engagement" in partner_body
    assert "Recompute metrics" not in partner_body
    MonthlyCount.objects.filter(site=with_data, month=dt.date(2024, 12, 1)).update(count=99)
    assert "Stale" in client_for(pm).get(detail).content.decode()


def test_site_page_says_when_nothing_is_computed(client_for, pm, site_a):
    body = client_for(pm).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    assert "No metrics have been computed for Alphaville yet." in body


@pytest.mark.parametrize("years", [2, 8])
def test_headline_block_query_count_does_not_grow_with_data(
    client_for, pm, site_a, django_assert_max_num_queries, years
):
    add_violent_components(
        site_a,
        "2017-01",
        12 * years,
        {"homicide": 2, "rape": 4, "robbery": 10, "aggravated_assault": 20},
    )
    metrics_compute_site(site=site_a)
    c = client_for(pm)
    with django_assert_max_num_queries(40):
        assert c.get(reverse("sites:detail", args=[site_a.slug])).status_code == 200
