"""Writes over the API go through the web pages' services: same permissions (404 outside the
person's sites, 403 where they may look but not act), same field and row errors, same
all-or-nothing import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from engagements.models import Activity, TARequest
from metrics.models import MonthlyCount, Upload
from tests.api.conftest import token_client
from tests.engagements.factories import ActionItemFactory, EngagementFactory
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):
    settings.PSP_UPLOAD_DIR = tmp_path / "uploads"


def _activity(site: str = "alphaville", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "site": site,
        "kind": "site_visit",
        "duration_hours": "3.5",
        "mode": "onsite",
        "core_areas": ["gun_violence", "crime_analysis"],
        "summary": "Walked the hot spots with the district commander.",
    }
    body.update(extra)
    return body


def test_liaison_logs_an_activity_with_a_token(liaison_a, site_a):
    agency = AgencyFactory(site=site_a, name="Alphaville PD")
    response = token_client(liaison_a).post(
        "/api/activities/", _activity(agencies=[agency.pk]), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["site"] == "alphaville" and body["logged_by"] == liaison_a.pk
    assert sorted(body["core_areas"]) == ["crime_analysis", "gun_violence"]
    activity = Activity.objects.get(pk=body["id"])
    assert activity.date == timezone.localdate()  # the form's default: today
    assert activity.history.first().history_user == liaison_a


def test_activity_errors_name_the_field(liaison_a, site_a, site_b):
    foreign = AgencyFactory(site=site_b, name="Betatown PD")
    client = token_client(liaison_a)
    response = client.post("/api/activities/", _activity(agencies=[foreign.pk]), format="json")
    assert response.status_code == 400
    assert "Not one of Alphaville's" in response.json()["agencies"][0]
    too_long = client.post(
        "/api/activities/", _activity(duration_hours="30", date="2026-03-04"), format="json"
    )
    assert too_long.status_code == 400
    assert "24 hours per day" in too_long.json()["duration_hours"][0]
    unknown = client.post("/api/activities/", _activity(core_areas=["juggling"]), format="json")
    assert "juggling" in unknown.json()["core_areas"][0]
    assert not Activity.objects.exists()


def test_activity_on_a_site_out_of_scope_is_404_and_read_only_roles_get_403(
    liaison_a, liaison_b, partner_a, auditor, site_a
):
    assert token_client(liaison_b).post("/api/activities/", _activity()).status_code == 404
    for person in (partner_a, auditor):
        response = token_client(person).post("/api/activities/", _activity(), format="json")
        assert response.status_code == 403, person
    assert not Activity.objects.exists()


def test_action_item_status_changes_through_the_service(liaison_a, liaison_b, site_a):
    item = ActionItemFactory(engagement=EngagementFactory(site=site_a))
    path = f"/api/action-items/{item.pk}/"
    assert token_client(liaison_b).patch(path, {"status": "complete"}).status_code == 404
    done = token_client(liaison_a).patch(path, {"status": "complete"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "complete"
    assert done.json()["completed_on"] == timezone.localdate().isoformat()
    future = token_client(liaison_a).patch(
        path, {"status": "complete", "completed_on": "2099-01-01"}, format="json"
    )
    assert future.status_code == 400 and "future" in future.json()["completed_on"][0]
    assert token_client(liaison_a).put(path, {"status": "lagging"}).status_code == 405


def test_partner_files_a_ta_request(partner_a, site_a):
    response = token_client(partner_a).post(
        "/api/ta-requests/",
        {"site": "alphaville", "core_area": "technology", "need": "A records system."},
        format="json",
    )
    assert response.status_code == 201
    request = TARequest.objects.get()
    assert request.requested_by == partner_a and request.status == "submitted"
    assert request.events.count() == 1  # the service recorded the move


def _upload(client, content: str, name: str = "counts.csv"):
    return client.post(
        "/api/uploads/",
        {
            "site": "alphaville",
            "kind": "monthly_counts",
            "file": SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
        },
        format="multipart",
    )


def test_upload_with_problems_lists_them_by_row_and_column_and_cannot_be_confirmed(
    liaison_a, site_a
):
    client = token_client(liaison_a)
    response = _upload(client, "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,-4\n")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invalid"
    assert [(p["row"], p["column"]) for p in body["problems"]] == [(3, "count")]
    confirm = client.post(f"/api/uploads/{body['id']}/confirm/")
    assert confirm.status_code == 400
    assert not MonthlyCount.objects.exists()


def test_clean_upload_previews_then_imports_on_confirm(
    liaison_a, site_a, django_capture_on_commit_callbacks
):
    client = token_client(liaison_a)
    body = _upload(client, "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,12\n").json()
    assert body["status"] == "validated" and body["problems"] == []
    assert body["preview"]["offenses"] == ["robbery"]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/api/uploads/{body['id']}/confirm/")
    assert confirmed.status_code == 202
    status = client.get(f"/api/uploads/{body['id']}/").json()
    assert status["status"] == "imported" and status["rows_added"] == 2
    assert sorted(MonthlyCount.objects.values_list("count", flat=True)) == [10, 12]
    again = _upload(client, "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,12\n")
    assert again.status_code == 400
    assert again.json()["first_upload"] == [str(body["id"])]
    assert Upload.objects.count() == 1


def test_upload_refused_to_partner_and_to_other_sites_liaison(partner_a, liaison_b, site_a):
    assert _upload(token_client(partner_a), "month,offense,count\n").status_code == 403
    assert _upload(token_client(liaison_b), "month,offense,count\n").status_code == 404
    assert not Upload.objects.exists()
