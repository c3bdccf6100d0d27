"""Storing documents: recognised by their content (never by their name), at most 25 MB, written
outside the web root under a random name, recorded with their SHA-256 (issue 16)."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from engagements.models import Activity, Attachment, AttachmentKind, Engagement, Milestone
from engagements.models.attachments import MAX_ATTACHMENT_BYTES

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG image", "image/png", (".png",))
JPEG = FileType("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileType(
    "Word document (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    "Excel workbook (XLSX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ACCEPTED = "PDF, DOCX, XLSX, PNG or JPEG"


def attachment_dir() -> Path:
    """Where documents are kept: a folder of the upload directory, outside the web root."""
    return Path(settings.PSP_UPLOAD_DIR) / "attachments"


def sniff(file: IO[bytes]) -> FileType | None:
    """The document's type from its first bytes (and, for DOCX/XLSX, the ZIP's directory);
    None for anything else — an executable renamed ``plan.pdf`` included."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            # Reads only the central directory; nothing is decompressed.
            names = set(zipfile.ZipFile(file).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
    return None


def safe_filename(name: str) -> str:
    """The uploader's file name made safe to store and to send back in a header: no folders,
    no control characters, no quotes or backslashes, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        "_" if (unicodedata.category(c).startswith("C") or c in '"<>|*?:') else c for c in name
    ).strip(" .")
    if len(cleaned) > 150:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (
            (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else cleaned[:150]
        )
    return cleaned or "document"


@transaction.atomic
def attachment_add(
    *,
    site: Site,
    acting_user: User,
    file: IO[bytes],
    filename: str,
    size: int,
    kind: str,
    title: str = "",
    engagement: Engagement | None = None,
    milestone: Milestone | None = None,
    activity: Activity | None = None,
) -> Attachment:
    """Keep a document of ``site`` (optionally of one of its engagements, milestones or
    activities). Refused whole, with the reason, when it is over 25 MB, not a PDF, DOCX, XLSX,
    PNG or JPEG by its content, or named with an extension that does not match its content."""
    name = safe_filename(filename)
    errors: dict[str, str] = {}
    if kind not in AttachmentKind.values:
        errors["kind"] = f"“{kind}” is not a document type."
    if size > MAX_ATTACHMENT_BYTES:
        errors["file"] = (
            f"“{name}” is {size / 1024 / 1024:,.1f} MB; documents may be at most "
            f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB."
        )
    elif size == 0:
        errors["file"] = f"“{name}” is empty."
    else:
        found = sniff(file)
        if found is None:
            errors["file"] = (
                f"“{name}” is not a {ACCEPTED} file by its content; other files (programs, "
                "archives, renamed files) are refused."
            )
        elif not name.lower().endswith(found.extensions):
            errors["file"] = (
                f"“{name}” contains a {found.label} but its name says otherwise; rename it to "
                f"end in {' or '.join(found.extensions)}."
            )
    if errors:
        raise ValidationError(errors)
    assert found is not None
    stored = f"{uuid.uuid4().hex}{found.extensions[0]}"
    attachment = Attachment(
        site=site,
        engagement=engagement,
        milestone=milestone,
        activity=activity,
        kind=kind,
        title=(title or "").strip() or name,
        original_name=name,
        stored_name=stored,
        content_type=found.content_type,
        size=size,
        sha256="0" * 64,
        uploaded_by=acting_user,
    )
    attachment.full_clean(exclude=["sha256"])
    folder = attachment_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored
    digest = hashlib.sha256()
    written = 0
    file.seek(0)
    with path.open("xb") as out:
        while chunk := file.read(CHUNK):
            written += len(chunk)
            if written > MAX_ATTACHMENT_BYTES:
                break
            digest.update(chunk)
            out.write(chunk)
    if written > MAX_ATTACHMENT_BYTES:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": f"“{name}” is larger than 25 MB."})
    attachment.size = written
    attachment.sha256 = digest.hexdigest()
    attachment._history_user = acting_user  # type: ignore[attr-defined]
    try:
        attachment.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment
