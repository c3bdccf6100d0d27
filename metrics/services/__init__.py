"""Writes of the metrics app: receiving, checking and importing uploads (``uploads``); data-quality
flags (``quality``); requesting and executing metric runs (``runs``)."""

from metrics.services.quality import flag_update, quality_check_site
from metrics.services.uploads import (
    DuplicateUpload,
    upload_confirm,
    upload_discard,
    upload_import,
    upload_import_now,
    upload_mark_failed,
    upload_receive,
    upload_requeue,
    upload_retry,
    upload_validate,
)

__all__ = [
    "DuplicateUpload",
    "flag_update",
    "quality_check_site",
    "upload_confirm",
    "upload_discard",
    "upload_import",
    "upload_import_now",
    "upload_mark_failed",
    "upload_receive",
    "upload_requeue",
    "upload_retry",
    "upload_validate",
]
