"""The preview of a monthly-counts file: the first rows as read and an exact diff against the
stored counts (added, revised with before/after, unchanged); a revision needs one reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from metrics import services
from metrics.models import MonthlyCountRevision, Upload
from metrics.selectors.preview import preview_diff
from metrics.services import stewardship
from tests.metrics.conftest import as_file

pytestmark = pytest.mark.django_db

FIRST = "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,11\n2023-02,burglary,4\n"
# Jan robbery unchanged; Feb robbery 11 → 8; Feb burglary 4 → 9; Mar robbery added.
SECOND = (
    "month,offense,count\n2023-01,robbery,10\n2023-02,robbery,8\n"
    "2023-02,burglary,9\n2023-03,robbery,12\n"
)


def receive(site, user, content, name="second.csv") -> Upload:
    return services.upload_receive(
        site=site, kind="monthly_counts", file=as_file(content, name), acting_user=user
    )


def test_the_diff_is_exact(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, FIRST)
    diff = preview_diff(receive(site_a, liaison_a, SECOND))
    assert diff is not None
    assert [(c.month, c.offense, c.stored, c.new, c.difference) for c in diff.revised] == [
        (dt.date(2023, 2, 1), "robbery", 11, 8, -3),
        (dt.date(2023, 2, 1), "burglary", 4, 9, 5),
    ]
    assert [(c.month, c.offense, c.stored, c.new) for c in diff.added] == [
        (dt.date(2023, 3, 1), "robbery", None, 12)
    ]
    assert diff.unchanged == 1
    assert diff.first_rows[0] == {
        "row": 2,
        "month": dt.date(2023, 1, 1),
        "offense": "robbery",
        "count": 10,
    }
    assert diff.needs_reason


def test_a_first_file_is_all_added_and_needs_no_reason(site_a, liaison_a):
    diff = preview_diff(receive(site_a, liaison_a, FIRST, "first.csv"))
    assert diff is not None
    assert (len(diff.added), len(diff.revised), diff.unchanged) == (3, 0, 0)
    assert not diff.needs_reason


def test_a_revision_needs_a_reason_kept_with_each_revised_value(
    site_a, liaison_a, run_import, django_capture_on_commit_callbacks
):
    run_import(site_a, liaison_a, FIRST)
    upload = receive(site_a, liaison_a, SECOND)
    with pytest.raises(ValidationError, match="changes 2 values already submitted"):
        stewardship.upload_confirm_with_reason(upload=upload, acting_user=liaison_a, reason=" ")
    upload.refresh_from_db()
    assert upload.status == "validated"
    with django_capture_on_commit_callbacks(execute=True):
        stewardship.upload_confirm_with_reason(
            upload=upload, acting_user=liaison_a, reason="RMS re-coded February."
        )
    revised = MonthlyCountRevision.objects.filter(upload=upload, previous_value__isnull=False)
    assert sorted(revised.values_list("previous_value", "value", "reason")) == [
        (4, 9, "RMS re-coded February."),
        (11, 8, "RMS re-coded February."),
    ]


def test_the_preview_page_shows_stored_new_and_difference(
    client_for, site_a, liaison_a, run_import
):
    run_import(site_a, liaison_a, FIRST)
    upload = receive(site_a, liaison_a, SECOND)
    body = client_for(liaison_a).get(upload.get_absolute_url()).content.decode()
    assert "Values that would change" in body
    assert 'name="revision_reason"' in body
    assert "+5" in body and "-3" in body
    response = client_for(liaison_a).post(
        reverse("metrics:upload_confirm", args=[site_a.slug, upload.pk]), follow=True
    )
    assert "say why" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == "validated"


def test_the_reason_is_shown_with_the_revised_values_and_in_the_history(
    client_for, site_a, liaison_a, partner_a, run_import, django_capture_on_commit_callbacks
):
    from metrics.models import MonthReviewEvent

    run_import(site_a, liaison_a, FIRST)
    upload = receive(site_a, liaison_a, SECOND)
    with django_capture_on_commit_callbacks(execute=True):
        stewardship.upload_confirm_with_reason(
            upload=upload, acting_user=liaison_a, reason="RMS re-coded February."
        )
    event = MonthReviewEvent.objects.filter(site=site_a, upload=upload).get()
    assert (event.action, event.reason) == ("submitted", "RMS re-coded February.")
    data = client_for(partner_a).get(reverse("metrics:data", args=[site_a.slug]))
    body = data.content.decode()
    table = body[
        body.index('data-testid="revisions"') : body.index("</table>", body.index("Revised values"))
    ]
    assert table.count("“RMS re-coded February.”") == 2  # one row per revised value
    assert "Before" in table and "Now" in table
    history = body[body.index('id="review-history"') :]
    assert "RMS re-coded February." in history.split("</ul>")[0]
    detail = client_for(partner_a).get(upload.get_absolute_url()).content.decode()
    assert "Reason given for the file: “RMS re-coded February.”" in detail


def test_without_revisions_the_revised_values_table_stays_empty(
    client_for, site_a, liaison_a, run_import
):
    run_import(site_a, liaison_a, FIRST)
    body = client_for(liaison_a).get(reverse("metrics:data", args=[site_a.slug])).content.decode()
    assert "No value already submitted has been revised." in body
    assert 'data-testid="revisions"' not in body
