"""Where uploaded outcome files are kept: outside the web root, never served by URL.

Files are read back only by the import and by a view that checks the user may see the site.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateUploadStorage(FileSystemStorage):
    """File storage rooted at ``settings.PSP_UPLOAD_DIR`` (read on every use), with no URL."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.PSP_UPLOAD_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:  # pragma: no cover - never called by design
        raise ValueError("Uploaded outcome files have no public URL.")


_storage = PrivateUploadStorage()


def private_upload_storage() -> PrivateUploadStorage:
    """The storage of ``Upload.file`` (a callable so migrations do not pin a path)."""
    return _storage
