"""``Upload.summary`` read through :class:`UploadSummary`: typed fields, defaults for rows written
before a field existed (or holding something else), and a JSON form that reads back the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from metrics.models import Revision, Upload, UploadStats, UploadSummary
from psp.accounts.models import User
from sites.models import Site

RunImport = Callable[..., Upload]


def test_an_old_or_empty_summary_reads_as_nothing_recorded() -> None:
    stored: object
    for stored in ({}, None, [], "garbage"):
        summary = UploadSummary.from_json(stored)
        assert summary == UploadSummary()
    summary = Upload(summary={"layout": "long", "notes": ["A note."]}).read_summary()
    assert summary.layout == "long" and summary.notes == ("A note.",)
    assert summary.stats.months == () and summary.stats.by_offense == {}
    assert summary.revisions == () and summary.flags_raised == () and summary.timings == {}
    assert summary.problem_count == 0 and summary.description == "" and not summary.needs_sheet


def test_malformed_entries_take_their_defaults() -> None:
    summary = UploadSummary.from_json(
        {
            "targets": [["month", "month"], ["broken"], "x"],
            "stats": {"months": "2024-01", "geocoded": "12", "by_offense": ["robbery"]},
            "problem_count": None,
            "columns": {"Cnt": None, "Month": "month"},
            "revisions": [{"month": "2024-01-01", "offense": "robbery", "old": None, "new": 3}, 7],
        }
    )
    assert summary.targets == (("month", "month"),)
    assert summary.stats == UploadStats()
    assert summary.problem_count == 0
    assert summary.columns == {"Cnt": "", "Month": "month"}
    assert summary.revisions == (Revision("2024-01-01", "robbery", None, 3),)


def test_the_json_form_reads_back_the_same_and_leaves_out_defaults() -> None:
    summary = UploadSummary(
        targets=(("month", "month"), ("ignore", "ignore this column")),
        headers=("Month", "Robbery"),
        description="CSV, comma-separated",
        layout="wide",
        columns={"Month": "month", "Robbery": "robbery"},
        stats=UploadStats(months=("2024-01-01",), offenses=("robbery",), empty_cells=2),
        notes=("Read as counts per month.",),
        problem_count=3,
        revisions=(Revision("2024-01-01", "robbery", 10, 14),),
        flags_raised=(5, 9),
        timings={"merge": 0.25},
    )
    stored: dict[str, Any] = summary.as_json()
    assert stored["targets"] == [["month", "month"], ["ignore", "ignore this column"]]
    assert stored["stats"] == {"months": ["2024-01-01"], "offenses": ["robbery"], "empty_cells": 2}
    assert stored["revisions"] == [
        {"month": "2024-01-01", "offense": "robbery", "old": 10, "new": 14}
    ]
    assert "sheets" not in stored and "needs_sheet" not in stored
    assert UploadSummary.from_json(stored) == summary
    assert UploadSummary().as_json() == {}


@pytest.mark.django_db
def test_an_import_writes_a_summary_the_typed_form_reads(
    site_a: Site, liaison_a: User, run_import: RunImport
) -> None:
    upload = run_import(site_a, liaison_a, "month,robbery\n2024-01,10\n2024-02,\n")
    summary = upload.read_summary()
    assert summary.layout == "wide"
    assert summary.stats.months == ("2024-01-01",)  # the blank month is missing, not zero
    assert summary.stats.empty_cells == 1
    assert summary.columns == {"month": "month", "robbery": "robbery"}
    assert ("month", "month") in summary.targets
    assert set(summary.timings) >= {"merge", "commit"}


@pytest.mark.django_db
def test_upload_page_of_a_row_without_a_summary_still_renders(
    client_for: Callable[[User], Client], site_a: Site, liaison_a: User, run_import: RunImport
) -> None:
    upload = run_import(site_a, liaison_a, "month,offense,count\n2024-01,robbery,10\n")
    Upload.objects.filter(pk=upload.pk).update(summary={})
    response = client_for(liaison_a).get(
        reverse("metrics:upload_detail", args=[site_a.slug, upload.pk])
    )
    assert response.status_code == 200
    assert response.context["summary"] == UploadSummary()
