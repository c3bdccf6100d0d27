"""Issue 21 in the browser: a chart never turns text people typed into live HTML (L3)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from engagements.models import Activity
from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = '<a href="https://example.com/steal">Click me</a> <b>bold</b>'


def test_a_link_in_a_self_chosen_name_stays_text_in_the_workload_chart(page, pm, site_a):
    person = UserFactory(email="payload@example.gov", full_name=PAYLOAD)
    for who in (person, pm):  # two people: the chart then has a legend
        Activity.objects.create(
            site=site_a,
            kind="virtual_meeting",
            date=dt.date.today().replace(day=1),
            duration_hours=3,
            mode="virtual",
            summary="Planning call",
            logged_by=who,
        )
    sign_in(page, pm.email, TEST_PASSWORD)
    page.goto("/workload/")
    chart = page.locator("#chart-workload")
    expect(chart).to_have_attribute("data-drawn", "true")
    assert chart.locator("a").count() == 0  # no live link anywhere in the drawn chart
    assert chart.locator("svg b, svg [style*='font-weight:bold']").count() == 0
    legend = chart.locator(".legendtext").all_text_contents()
    assert any("<a href=" in text and "</a>" in text for text in legend), legend
