"""Fixtures for the outcome-data tests: private upload storage per test, file builders, and a
helper that runs an upload through receive → confirm → (captured on-commit) import."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metrics import services
from metrics.models import (
    DataQualityFlag,
    Incident,
    MonthlyCount,
    MonthlyCountRevision,
    TrustMeasure,
    Upload,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def offense_codes():
    """The fixed offense codes, for transactional tests: the flush that ends an earlier
    transactional test removes the rows the data migration created."""
    from metrics.models import OFFENSES, Offense

    for order, (code, name, derived) in enumerate(OFFENSES, start=1):
        Offense.objects.update_or_create(
            code=code, defaults={"name": name, "is_derived": derived, "order": order}
        )


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):
    settings.PSP_UPLOAD_DIR = tmp_path / "uploads"


def as_file(content: bytes | str, name: str = "counts.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def outcome_snapshot() -> dict[str, list]:
    """Every outcome row, to prove a bad file changed nothing."""
    return {
        "counts": list(MonthlyCount.objects.values_list("site", "month", "offense", "count")),
        "revisions": list(MonthlyCountRevision.objects.values_list("id", "value")),
        "incidents": list(Incident.objects.values_list("site", "source", "external_id")),
        "trust": list(TrustMeasure.objects.values_list("site", "measure", "value")),
        "flags": list(DataQualityFlag.objects.values_list("id", "status")),
    }


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """``run_import(site, user, content, kind=..., name=..., **options)`` → the upload after its
    import ran (the Celery task is executed from the captured on-commit callbacks)."""

    def run(site, user, content, *, kind="monthly_counts", name="counts.csv", **options) -> Upload:
        upload = services.upload_receive(
            site=site, kind=kind, file=as_file(content, name), acting_user=user, **options
        )
        assert upload.status == "validated", upload.errors
        with django_capture_on_commit_callbacks(execute=True):
            services.upload_confirm(upload=upload, acting_user=user)
        upload.refresh_from_db()
        return upload

    return run
