"""Site pages: field-level form errors; portfolio filters and sorts in a fixed query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import Agency, PhaseChange
from sites.services import site_change_phase
from tests.factories import MembershipFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_liaison_edits_profile_and_sees_it(client_for, liaison_a, site_a):
    url = reverse("sites:edit", args=[site_a.slug])
    response = client_for(liaison_a).post(
        url,
        {
            "summary": "Focus on nonfatal shootings.",
            "population": "101000",
            "population_year": "2023",
            "population_source": "Census estimate",
            "latitude": "37.5",
            "longitude": "-97.3",
            "engagement_start": "2025-01-06",
            "engagement_end": "2028-01-06",
        },
        follow=True,
    )
    assert "Saved the profile" in response.content.decode()
    site_a.refresh_from_db()
    assert site_a.population == 101_000


def test_bad_profile_input_is_shown_next_to_the_field_and_nothing_changes(
    client_for, liaison_a, site_a
):
    url = reverse("sites:edit", args=[site_a.slug])
    response = client_for(liaison_a).post(
        url,
        {
            "population": "-5",
            "latitude": "123",
            "engagement_start": "2025-01-06",
            "engagement_end": "2024-01-01",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_population-error"' in body
    assert 'id="id_latitude-error"' in body
    site_a.refresh_from_db()
    assert site_a.population == 100_000


def test_end_before_start_shows_an_engagement_end_error(client_for, liaison_a, site_a):
    response = client_for(liaison_a).post(
        reverse("sites:edit", args=[site_a.slug]),
        {
            "engagement_start": "2025-01-06",
            "engagement_end": "2024-01-01",
        },
    )
    assert "The engagement must end after it starts." in response.content.decode()


def test_admin_changes_phase_with_reason(client_for, admin, site_a):
    response = client_for(admin).post(
        reverse("sites:phase", args=[site_a.slug]),
        {"to_phase": "sustainment", "reason": "Strategic plan implemented."},
        follow=True,
    )
    assert "moved to Sustainment" in response.content.decode()
    assert PhaseChange.objects.filter(site=site_a, to_phase="sustainment").exists()


def test_phase_change_without_reason_shows_field_error(client_for, admin, site_a):
    response = client_for(admin).post(
        reverse("sites:phase", args=[site_a.slug]), {"to_phase": "assessment", "reason": ""}
    )
    assert response.status_code == 200
    assert "earlier phase needs a reason" in response.content.decode()
    site_a.refresh_from_db()
    assert site_a.phase == "implementation"


def test_duplicate_agency_name_is_a_field_error(client_for, liaison_a, site_a):
    Agency.objects.create(site=site_a, name="Alphaville PD", kind="police")
    response = client_for(liaison_a).post(
        reverse("sites:agency_add", args=[site_a.slug]), {"name": "alphaville pd", "kind": "police"}
    )
    assert 'id="id_name-error"' in response.content.decode()
    assert Agency.objects.filter(site=site_a).count() == 1


def test_site_page_shows_federal_partners_and_clock(client_for, pm, site_a):
    Agency.objects.create(site=site_a, name="ATF Kansas City Field Division", kind="atf")
    body = client_for(pm).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    assert "ATF Kansas City Field Division" in body
    assert "Month " in body and " of 36" in body


def test_portfolio_filters_by_phase_and_state(client_for, pm, site_a, site_b):
    site_b.phase = "planning"
    site_b.save()
    c = client_for(pm)
    body = c.get(reverse("dashboards:portfolio"), {"phase": "planning"}).content.decode()
    assert "Betatown" in body and "Alphaville" not in body
    body = c.get(reverse("dashboards:portfolio"), {"state": "KS"}).content.decode()
    assert "Alphaville" in body and "Betatown" not in body


def test_portfolio_sorts_by_name_descending(client_for, pm, site_a, site_b):
    body = client_for(pm).get(reverse("dashboards:portfolio"), {"sort": "-name"}).content.decode()
    assert body.index("Betatown") < body.index("Alphaville")


def test_portfolio_query_count_does_not_grow_with_sites(
    client_for, pm, django_assert_max_num_queries
):
    def add_sites(n: int) -> None:
        for _ in range(n):
            site = SiteFactory(program_manager=pm)
            MembershipFactory(site=site)

    c = client_for(pm)
    add_sites(3)
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("dashboards:portfolio"))
    add_sites(30)
    # Sites with their per-site aggregates, their stored trends and the sparklines of the rows
    # shown, the core-area roll-up, the pooled estimates (docs/metrics.md §8.4), 6 for the
    # late-reporting flag (metrics.selectors.reporting) and the data version (psp.core.dataversion);
    # the same 20 as tests/dashboards/test_portfolio.py.
    # 21: +1 for the header's notification bell (the unread count, issue 15).
    with django_assert_max_num_queries(21), CaptureQueriesContext(connection) as large:
        c.get(reverse("dashboards:portfolio"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_change_history_shows_before_and_after_and_skips_saves_that_changed_nothing(
    client_for, pm, liaison_a, site_a
):
    from sites import services

    services.site_update(site=site_a, acting_user=liaison_a, changes={"population": 123_456})
    services.site_update(site=site_a, acting_user=liaison_a, changes={})  # nothing changed
    body = client_for(pm).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    section = body[body.index('id="history-h"') :]
    assert "Population: “100,000” → “123,456”" in section
    assert "Lee Liaison" in section
    assert "No field changes" not in section
    assert section.count("<tr><td>") == 2  # the change and the creation; the no-op is left out


def test_site_page_and_phase_page_show_the_same_phase_history(client_for, admin, site_a):
    site_change_phase(
        site=site_a, to_phase="sustainment", acting_user=admin, reason="Plan goals met."
    )
    c = client_for(admin)
    tables = []
    for name in ("sites:detail", "sites:phase"):
        body = c.get(reverse(name, args=[site_a.slug])).content.decode()
        start = body.index('<section aria-labelledby="phases-h"')
        section = body[start : body.index("</section>", start)]
        assert "Plan goals met." in section and "Ada Admin" in section, name
        tables.append(section[section.index("<table") :])
    assert tables[0] == tables[1]
