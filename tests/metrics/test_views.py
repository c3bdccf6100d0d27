"""The Data page and its upload/flag URLs: every URL × every role, and the flows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from metrics import services
from metrics.models import DataQualityFlag, MonthlyCount, Upload
from tests.metrics.conftest import as_file

pytestmark = pytest.mark.django_db

ROLES = ["admin", "pm", "auditor", "liaison_a", "partner_a", "liaison_b", "outsider"]
READERS = {"admin": 200, "pm": 200, "auditor": 200, "liaison_a": 200, "partner_a": 200}
WRITERS = {"admin", "pm", "liaison_a"}
CSV = "month,offense,count\n2023-01,robbery,10\n2023-03,robbery,11\n"


@pytest.fixture
def upload(site_a, liaison_a):
    return services.upload_receive(
        site=site_a, kind="monthly_counts", file=as_file(CSV), acting_user=liaison_a
    )


@pytest.fixture
def flag(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, CSV.replace("robbery", "burglary"), name="first.csv")
    return DataQualityFlag.objects.get(site=site_a, rule="DQ1")


def urls(site, upload, flag):
    s = site.slug
    return {
        "data": ("GET", reverse("metrics:data", args=[s])),
        "detail": ("GET", reverse("metrics:upload_detail", args=[s, upload.pk])),
        "status": ("GET", reverse("metrics:upload_status", args=[s, upload.pk])),
        "file": ("GET", reverse("metrics:upload_file", args=[s, upload.pk])),
        "create": ("POST", reverse("metrics:upload_create", args=[s])),
        "mapping": ("POST", reverse("metrics:upload_mapping", args=[s, upload.pk])),
        "confirm": ("POST", reverse("metrics:upload_confirm", args=[s, upload.pk])),
        "flag": ("POST", reverse("metrics:flag_update", args=[s, flag.pk])),
    }


def expected(name: str, role: str) -> int:
    if role in ("liaison_b", "outsider"):
        return 404
    if name in ("data", "detail", "status", "file"):
        return 200
    if role not in WRITERS:
        return 403
    return 200 if name == "create" else 302


@pytest.mark.parametrize(
    "name", ["data", "detail", "status", "file", "create", "mapping", "confirm", "flag"]
)
def test_anonymous_is_sent_to_sign_in(client, site_a, upload, flag, name):
    method, url = urls(site_a, upload, flag)[name]
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "name", ["data", "detail", "status", "file", "create", "mapping", "confirm", "flag"]
)
@pytest.mark.parametrize("role", ROLES)
def test_data_urls_by_role(cast, client_for, site_a, upload, flag, name, role):
    method, url = urls(site_a, upload, flag)[name]
    c = client_for(cast[role])
    response = c.get(url) if method == "GET" else c.post(url, {})
    assert response.status_code == expected(name, role)


@pytest.mark.parametrize("name", ["data", "detail", "status", "file"])
def test_read_only_urls_refuse_post(client_for, admin, site_a, upload, flag, name):
    _, url = urls(site_a, upload, flag)[name]
    assert client_for(admin).post(url).status_code == 405


@pytest.mark.parametrize("name", ["create", "mapping", "confirm", "flag"])
def test_action_urls_refuse_get(client_for, admin, site_a, upload, flag, name):
    _, url = urls(site_a, upload, flag)[name]
    assert client_for(admin).get(url).status_code == 405


def test_another_sites_upload_is_404_even_through_a_visible_site(
    client_for, liaison_b, site_a, site_b, upload
):
    url = reverse("metrics:upload_detail", args=[site_b.slug, upload.pk])
    assert client_for(liaison_b).get(url).status_code == 404
    file_url = reverse("metrics:upload_file", args=[site_b.slug, upload.pk])
    assert client_for(liaison_b).get(file_url).status_code == 404


@pytest.mark.parametrize("role", ["auditor", "partner_a"])
def test_read_only_roles_see_no_upload_or_flag_controls(cast, client_for, site_a, flag, role):
    html = client_for(cast[role]).get(reverse("metrics:data", args=[site_a.slug])).content
    assert b"Upload and preview" not in html
    assert b"Save decision" not in html
    assert b"Missing month" in html


def test_files_are_stored_outside_the_web_root_and_served_as_attachments(
    client_for, partner_a, site_a, upload, settings
):
    from pathlib import Path

    path = Path(upload.file.path)
    assert Path(settings.PSP_UPLOAD_DIR) in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    response = client_for(partner_a).get(
        reverse("metrics:upload_file", args=[site_a.slug, upload.pk])
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == CSV.encode()


def test_upload_preview_confirm_and_results(
    client_for, liaison_a, site_a, django_capture_on_commit_callbacks
):
    c = client_for(liaison_a)
    bad = "month,offense,count\n2024-01,robbery,-1\n2024-02,arson,3\n"
    response = c.post(
        reverse("metrics:upload_create", args=[site_a.slug]),
        {"kind": "monthly_counts", "file": as_file(bad, "jan.csv")},
    )
    first = Upload.objects.get()
    assert response.status_code == 302 and response["Location"] == first.get_absolute_url()
    page = c.get(first.get_absolute_url()).content.decode()
    assert "Problems to fix (2)" in page
    assert "cannot be negative" in page and "arson" in page

    good = "month,offense,count\n2024-01,robbery,1\n2024-02,robbery,3\n"
    response = c.post(
        reverse("metrics:upload_create", args=[site_a.slug]),
        {"kind": "monthly_counts", "file": as_file(good, "jan.csv")},
        follow=True,
    )
    assert "Ready to import" in response.content.decode()
    second = Upload.objects.exclude(pk=first.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("metrics:upload_confirm", args=[site_a.slug, second.pk]))
    html = c.get(second.get_absolute_url()).content.decode()
    assert "Imported" in html and "Added</dt><dd>2" in html
    assert MonthlyCount.objects.filter(site=site_a).count() == 2
    data = c.get(reverse("metrics:data", args=[site_a.slug])).content.decode()
    assert "through <strong>Feb 2024</strong>" in data


def test_the_same_file_again_is_refused_with_a_link_to_the_first(client_for, liaison_a, site_a):
    c = client_for(liaison_a)
    url = reverse("metrics:upload_create", args=[site_a.slug])
    c.post(url, {"kind": "monthly_counts", "file": as_file(CSV)})
    first = Upload.objects.get()
    response = c.post(url, {"kind": "monthly_counts", "file": as_file(CSV)})
    assert response.status_code == 200
    assert f'href="{first.get_absolute_url()}"'.encode() in response.content
    assert Upload.objects.count() == 1


def test_oversized_request_is_refused_before_the_upload_is_parsed(
    client_for, liaison_a, site_a, settings
):
    settings.PSP_UPLOAD_MAX_BYTES = 1024
    big = "month,offense,count\n" + "2024-01,robbery,3\n" * 10_000
    response = client_for(liaison_a).post(
        reverse("metrics:upload_create", args=[site_a.slug]),
        {"kind": "monthly_counts", "file": as_file(big)},
    )
    assert response.status_code == 413
    assert b"over the limit of 1 KB" in response.content
    assert Upload.objects.count() == 0


def test_status_fragment_polls_while_running_and_refreshes_when_done(
    client_for, liaison_a, site_a, upload
):
    Upload.objects.filter(pk=upload.pk).update(status="importing", progress=42)
    c = client_for(liaison_a)
    url = reverse("metrics:upload_status", args=[site_a.slug, upload.pk])
    response = c.get(url, headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in response.content
    assert b'value="42"' in response.content
    assert "HX-Refresh" not in response
    Upload.objects.filter(pk=upload.pk).update(status="imported", progress=100)
    response = c.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert b"hx-trigger" not in response.content


def test_mapping_form_rechecks_the_file(client_for, liaison_a, site_a):
    upload = services.upload_receive(
        site=site_a,
        kind="monthly_counts",
        file=as_file("Periode,Delito,Cantidad\n2024-01,robbery,10\n"),
        acting_user=liaison_a,
    )
    response = client_for(liaison_a).post(
        reverse("metrics:upload_mapping", args=[site_a.slug, upload.pk]),
        {"col_0": "month", "col_1": "offense", "col_2": "count"},
    )
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == "validated"


def test_flag_needs_a_note_and_records_who_decided(client_for, liaison_a, site_a, flag):
    c = client_for(liaison_a)
    url = reverse("metrics:flag_update", args=[site_a.slug, flag.pk])
    c.post(url, {"action": "resolve", "note": ""})
    flag.refresh_from_db()
    assert flag.status == "open"
    c.post(url, {"action": "resolve", "note": "February was sent late; fixed in the next file."})
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == ("resolved", liaison_a)


def test_a_flagged_month_can_be_marked_wrong_on_the_data_page(client_for, liaison_a, site_a, flag):
    url = reverse("metrics:flag_update", args=[site_a.slug, flag.pk])
    response = client_for(liaison_a).post(
        url, {"action": "exclude", "note": "The feed dropped half the month."}, follow=True
    )
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == ("wrong", liaison_a)
    assert "flag excluded." in response.content.decode()


def test_flag_of_another_site_is_404(client_for, liaison_b, site_b, flag):
    url = reverse("metrics:flag_update", args=[site_b.slug, flag.pk])
    assert client_for(liaison_b).post(url, {"action": "confirm", "note": "x"}).status_code == 404


def _months(site, n: int) -> None:
    from metrics.models import Offense

    offenses = list(Offense.objects.filter(is_derived=False))
    rows = []
    for i in range(n):
        month = dt.date(2010 + i // 12, i % 12 + 1, 1)
        rows += [
            MonthlyCount(site=site, month=month, offense=o, count=5, first_count=5)
            for o in offenses
        ]
    MonthlyCount.objects.bulk_create(rows)
    for i in range(n // 12):
        DataQualityFlag.objects.create(
            site=site, rule="DQ1", scope="robbery", key=f"k{i}", detail="x"
        )


@pytest.mark.parametrize("n", [12, 120])
def test_data_page_query_count_does_not_grow_with_data(
    client_for, liaison_a, site_a, n, django_assert_max_num_queries
):
    _months(site_a, n)
    c = client_for(liaison_a)
    # 17 reads of the data, 6 of the schedule and review sections, 1 of the revised values with
    # their reasons (docs/metrics.md §10) and 1 for the header's notification bell (issue 15).
    with django_assert_max_num_queries(25):
        response = c.get(reverse("metrics:data", args=[site_a.slug]))
    assert response.status_code == 200


def test_site_page_panel_links_to_the_data_page(client_for, partner_a, site_a):
    html = client_for(partner_a).get(site_a.get_absolute_url()).content.decode()
    assert reverse("metrics:data", args=[site_a.slug]) in html
