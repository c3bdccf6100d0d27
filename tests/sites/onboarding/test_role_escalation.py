"""Issue 16: a read-only partner or auditor never becomes a writing liaison by accident —
not in the onboarding wizard, not from the cohort CSV — and every picker says who is who."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sites.models import Site, SiteMembership
from sites.onboarding.bulk import parse_onboarding_csv, sites_onboard_bulk
from sites.permissions import SiteAction, can
from tests.factories import UserFactory
from tests.sites.onboarding.test_onboarding_views import wizard_data

pytestmark = pytest.mark.django_db

ONBOARD = reverse("onboarding:onboard")
HEADER = "name,state,kind,cohort,start_date,program_manager_email,liaison_email,core_areas"


def test_the_wizard_names_each_liaison_candidate_with_the_roles_they_hold(
    client_for, admin, pm, partner_a, liaison_b, auditor
):
    page = client_for(admin).get(ONBOARD).content.decode()
    assert "Parker Partner (partner: Alphaville)" in page
    assert "Bo Liaison (liaison: Betatown)" in page
    assert "Audrey Auditor (Auditor (read-only))" in page
    assert "Pat Manager (BJA staff)" in page


def test_the_wizard_refuses_a_partner_as_liaison_without_confirmation(
    client_for, admin, pm, partner_a
):
    data = wizard_data(pm, liaisons=[str(partner_a.pk)])
    response = client_for(admin).post(ONBOARD, data)
    assert response.status_code == 200
    assert "Parker Partner is a read-only site partner (Alphaville)" in response.content.decode()
    assert not Site.objects.filter(name="Springfield").exists()


def test_the_wizard_makes_a_confirmed_partner_a_liaison_and_records_why(
    client_for, admin, pm, partner_a
):
    data = wizard_data(pm, liaisons=[str(partner_a.pk)], confirm_role_change="on")
    response = client_for(admin).post(ONBOARD, data)
    assert response.status_code == 302
    site = Site.objects.get(name="Springfield")
    assert can(partner_a, site, SiteAction.LOG_WORK)
    record = SiteMembership.history.get(site=site, user=partner_a)
    assert record.history_user == admin
    assert record.history_change_reason.startswith("Writing role confirmed: Parker Partner")


def test_the_wizard_refuses_an_auditor_as_liaison_without_confirmation(
    client_for, admin, pm, auditor
):
    response = client_for(admin).post(ONBOARD, wizard_data(pm, liaisons=[str(auditor.pk)]))
    assert "Audrey Auditor is an auditor (read-only)" in response.content.decode()
    assert not Site.objects.filter(name="Springfield").exists()


def test_the_wizard_asks_nothing_for_a_plain_liaison(client_for, admin, pm, liaison_b):
    response = client_for(admin).post(ONBOARD, wizard_data(pm, liaisons=[str(liaison_b.pk)]))
    assert response.status_code == 302
    assert SiteMembership.objects.filter(user=liaison_b, site__name="Springfield").exists()


def _row(liaison: str, confirm: str | None = None) -> bytes:
    header = HEADER + (",confirm_role_change" if confirm is not None else "")
    row = f"Springfield,MA,city,2024,2025-01-06,{PM},{liaison},Gun violence"
    row += f",{confirm}" if confirm is not None else ""
    return f"{header}\n{row}\n".encode()


PM = "pm@example.gov"


def test_the_csv_refuses_a_partner_as_liaison_by_row_and_column(pm, partner_a):
    report = parse_onboarding_csv(_row(partner_a.email))
    assert report.rows == []
    [error] = report.errors
    assert (error.row, error.column, error.value) == (2, "liaison_email", partner_a.email)
    assert "read-only site partner" in error.message
    assert "confirm_role_change" in error.message


def test_the_csv_refuses_it_too_when_the_confirm_column_says_no(pm, partner_a):
    assert parse_onboarding_csv(_row(partner_a.email, "no")).errors


def test_the_csv_makes_a_partner_a_liaison_when_the_row_says_yes(pm, partner_a, admin):
    report = parse_onboarding_csv(_row(partner_a.email, "yes"))
    assert report.errors == []
    [site] = sites_onboard_bulk(acting_user=admin, rows=report.rows)
    record = SiteMembership.history.get(site=site, user=partner_a)
    assert "Writing role confirmed" in record.history_change_reason


def test_the_csv_refuses_an_auditor_as_liaison(pm, auditor):
    [error] = parse_onboarding_csv(_row(auditor.email)).errors
    assert error.column == "liaison_email"
    assert "auditor" in error.message


def test_a_person_who_is_liaison_somewhere_and_partner_elsewhere_needs_no_confirmation(
    pm, partner_a, site_b
):
    from tests.factories import MembershipFactory

    MembershipFactory(user=partner_a, site=site_b, role="liaison")
    assert parse_onboarding_csv(_row(partner_a.email)).errors == []


def test_a_new_person_with_no_role_yet_needs_no_confirmation(pm):
    newcomer = UserFactory(email="new@example.gov")
    assert parse_onboarding_csv(_row(newcomer.email)).errors == []
