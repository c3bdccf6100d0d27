"""The onboarding pages: wizard, jurisdiction search, CSV upload, milestone schedule, phases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import CoreArea, Engagement, Milestone
from sites.models import Agency, PhaseChange, Site
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

ONBOARD = reverse("onboarding:onboard")
BULK = reverse("onboarding:onboard_bulk")
SEARCH = reverse("onboarding:place_search")


def wizard_data(pm, **overrides):
    data = {
        "name": "Springfield",
        "state": "MA",
        "kind": "city",
        "population": "154341",
        "population_year": "",
        "population_source": "GeoNames",
        "latitude": "42.10148",
        "longitude": "-72.58981",
        "cohort_year": "2024",
        "engagement_start": "2025-01-06",
        "engagement_end": "",
        "program_manager": str(pm.pk),
        "agency-TOTAL_FORMS": "2",
        "agency-INITIAL_FORMS": "0",
        "agency-MIN_NUM_FORMS": "0",
        "agency-MAX_NUM_FORMS": "20",
        "agency-0-name": "Springfield Police Department",
        "agency-0-kind": "police",
        "agency-1-name": "",
        "agency-1-kind": "",
    }
    data.update(overrides)
    return data


def test_search_suggests_jurisdictions_as_json(client_for, admin):
    response = client_for(admin).get(SEARCH, {"q": "spring"})
    assert response.status_code == 200
    labels = [r["label"] for r in response.json()["results"]]
    assert "Springfield, MA" in labels
    first = response.json()["results"][0]
    assert set(first) >= {"name", "kind", "state", "population", "latitude", "longitude"}


def test_search_with_one_letter_suggests_nothing(client_for, admin):
    assert client_for(admin).get(SEARCH, {"q": "s"}).json()["results"] == []


def test_admin_onboards_a_site_through_the_wizard(client_for, admin, pm):
    liaison = UserFactory(email="lee@example.gov", full_name="Lee New")
    areas = CoreArea.objects.filter(code__in=["gun_violence", "technology"])
    data = wizard_data(pm, liaisons=[str(liaison.pk)], core_areas=[str(a.pk) for a in areas])
    response = client_for(admin).post(ONBOARD, data)
    site = Site.objects.get(name="Springfield", state="MA")
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:milestones", args=[site.slug])
    assert (site.phase, site.cohort.year, site.population) == ("onboarding", 2024, 154_341)
    assert site.engagement_end == dt.date(2028, 1, 6)
    assert Engagement.objects.filter(site=site).count() == 2
    assert list(Agency.objects.filter(site=site).values_list("name", flat=True)) == [
        "Springfield Police Department"
    ]
    assert site.memberships.get().user == liaison
    assert Milestone.objects.filter(site=site).count() == 7


def test_wizard_errors_name_the_field_and_nothing_is_created(client_for, admin, pm):
    data = wizard_data(
        pm, engagement_end="2024-01-01", **{"agency-1-name": "Orphan agency", "agency-1-kind": ""}
    )
    response = client_for(admin).post(ONBOARD, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "The engagement must end after it starts." in body
    assert "Choose the kind of agency." in body
    assert not Site.objects.filter(name="Springfield").exists()


def test_wizard_refuses_a_duplicate_site_next_to_the_name(client_for, admin, pm):
    SiteFactory(name="Springfield", slug="springfield", state="MA")
    response = client_for(admin).post(ONBOARD, wizard_data(pm))
    assert 'id="id_name-error"' in response.content.decode()
    assert "already in the portfolio" in response.content.decode()
    assert Site.objects.filter(name="Springfield").count() == 1


def test_new_cohort_year_starts_a_cohort(client_for, admin, pm):
    client_for(admin).post(ONBOARD, wizard_data(pm, cohort_year="2026"))
    assert Site.objects.get(name="Springfield").cohort.name == "2026 cohort"


def test_wizard_page_loads_its_script_from_static_and_has_no_inline_script(client_for, admin):
    body = client_for(admin).get(ONBOARD).content.decode()
    assert "js/place-search.js" in body
    assert 'role="combobox"' in body
    assert "<script>" not in body


# --- bulk CSV page --------------------------------------------------------------------------------

CSV = (
    "name,state,kind,cohort,start_date,program_manager_email,liaison_email,core_areas\r\n"
    "Springfield,MA,city,2024,2025-01-06,pm@example.gov,liaison.a@example.gov,Gun violence\r\n"
    "Tampa,FL,city,2024,2025-01-06,pm@example.gov,,Technology;Crime analysis\r\n"
)


def upload(client, text: str, name: str = "sites.csv"):
    return client.post(BULK, {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def test_bulk_upload_shows_a_preview_then_creates_every_site_on_confirm(
    client_for, admin, pm, liaison_a
):
    c = client_for(admin)
    preview = upload(c, CSV)
    body = preview.content.decode()
    assert "All 2 rows are valid" in body
    assert not Site.objects.filter(name__in=["Springfield", "Tampa"]).exists()
    payload = preview.context["payload"]
    done = c.post(BULK, {"confirm": "1", "payload": payload})
    assert done.status_code == 302
    assert Site.objects.filter(name__in=["Springfield", "Tampa"], phase="onboarding").count() == 2


def test_bulk_upload_lists_every_problem_and_creates_nothing(client_for, admin, pm, liaison_a):
    bad = CSV.replace("2025-01-06,pm@example.gov,,", "2025-02-30,who@example.gov,,")
    body = upload(client_for(admin), bad).content.decode()
    assert "2 problems found; no sites were created" in body
    assert "start_date" in body and "program_manager_email" in body
    assert "Create 2 sites" not in body
    assert not Site.objects.filter(name__in=["Springfield", "Tampa"]).exists()


def test_bulk_upload_refuses_a_file_that_is_not_csv(client_for, admin):
    body = upload(client_for(admin), "not really", name="sites.xlsx").content.decode()
    assert "is not a CSV file" in body


def test_bulk_confirm_with_a_tampered_payload_creates_nothing(client_for, admin, pm):
    response = client_for(admin).post(BULK, {"confirm": "1", "payload": "forged"}, follow=True)
    assert "upload the file again" in response.content.decode()
    assert not Site.objects.filter(name="Springfield").exists()


def test_bulk_confirm_rechecks_the_file(client_for, admin, pm, liaison_a):
    c = client_for(admin)
    payload = upload(c, CSV).context["payload"]
    SiteFactory(name="Tampa", slug="tampa", state="FL")  # appeared between preview and confirm
    body = c.post(BULK, {"confirm": "1", "payload": payload}).content.decode()
    assert "Tampa, FL is already in the portfolio." in body
    assert not Site.objects.filter(name="Springfield").exists()


# --- milestone schedule and phases --------------------------------------------------------------


def test_admin_edits_a_milestone_date_on_the_schedule_page(client_for, admin, pm):
    c = client_for(admin)
    c.post(ONBOARD, wizard_data(pm))
    site = Site.objects.get(name="Springfield")
    url = reverse("onboarding:milestones", args=[site.slug])
    page = c.get(url)
    data = {}
    for _, form in page.context["rows"]:
        for bf in form:
            value = bf.value()
            data[bf.html_name] = value.isoformat() if value else ""
    visit = Milestone.objects.get(site=site, kind="assessment_visit")
    data[f"m{visit.pk}-due_on"] = "2025-03-31"
    response = c.post(url, data, follow=True)
    assert "1 changed" in response.content.decode()
    visit.refresh_from_db()
    assert visit.due_on == dt.date(2025, 3, 31)


def test_a_bad_milestone_date_is_shown_and_nothing_changes(client_for, admin, pm):
    c = client_for(admin)
    c.post(ONBOARD, wizard_data(pm))
    site = Site.objects.get(name="Springfield")
    visit = Milestone.objects.get(site=site, kind="assessment_visit")
    response = c.post(
        reverse("onboarding:milestones", args=[site.slug]), {f"m{visit.pk}-due_on": "31/31/2025"}
    )
    assert "Enter a valid date." in response.content.decode()
    visit.refresh_from_db()
    assert visit.due_on == dt.date(2025, 3, 6)


def test_phase_page_offers_the_next_phase_and_shows_the_history(client_for, admin, site_a):
    response = client_for(admin).get(reverse("sites:phase", args=[site_a.slug]))
    form = response.context["form"]
    assert form.initial["to_phase"] == "sustainment"  # site_a is in implementation
    assert "implementation" not in dict(form.fields["to_phase"].choices)
    assert "Phase history" in response.content.decode()


def test_alumni_site_keeps_its_phase_history_visible_and_read_only(
    client_for, admin, liaison_a, site_a
):
    client_for(admin).post(
        reverse("sites:phase", args=[site_a.slug]),
        {"to_phase": "alumni", "reason": "Engagement completed."},
    )
    body = client_for(liaison_a).get(reverse("sites:detail", args=[site_a.slug])).content.decode()
    assert "Engagement completed." in body
    assert "read-only" in body
    assert PhaseChange.objects.filter(site=site_a, to_phase="alumni", changed_by=admin).exists()


def test_only_admins_see_the_milestone_schedule_link_on_a_site(client_for, admin, pm, site_a):
    url = reverse("sites:detail", args=[site_a.slug])
    link = reverse("onboarding:milestones", args=[site_a.slug])
    assert link in client_for(admin).get(url).content.decode()
    assert link not in client_for(pm).get(url).content.decode()
