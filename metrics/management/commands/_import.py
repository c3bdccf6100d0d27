"""What the two import commands share: receive the file, print problems or import and summarise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from metrics import services
from metrics.models import UploadStatus
from sites.models import Site


def run_import(command: BaseCommand, *, slug: str, path: str, kind: str, **options: Any) -> None:
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        raise CommandError(f"No site with the slug “{slug}”.")
    file_path = Path(path)
    if not file_path.is_file():
        raise CommandError(f"No file at {path}.")
    try:
        with file_path.open("rb") as fh:
            upload = services.upload_receive(
                site=site,
                kind=kind,
                file=File(fh, name=file_path.name),
                acting_user=None,
                **options,
            )
    except services.DuplicateUpload as exc:
        raise CommandError(f"{exc.messages[0]} Nothing was imported.") from None
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    out = command.stdout
    if upload.status == UploadStatus.INVALID:
        lines = [f"{upload.original_name}: {len(upload.errors)} problem(s); nothing was imported."]
        for e in upload.errors:
            where = f"row {e['row']}" if e["row"] else "file"
            col = f", column “{e['column']}”" if e["column"] else ""
            val = f" (value “{e['value']}”)" if e["value"] else ""
            lines.append(f"  {where}{col}{val}: {e['message']}")
        raise CommandError("\n".join(lines))
    # Commands run the import in-process (the service is the same one the worker runs).
    upload = services.upload_import_now(upload=upload, acting_user=None)
    if upload.status != UploadStatus.IMPORTED:
        raise CommandError(f"Import failed: {upload.failure}")
    out.write(
        f"{site.name}: {upload.original_name} imported (upload #{upload.pk}). "
        f"Rows read: {upload.rows_total:,}; imported: {upload.rows_imported:,} "
        f"({upload.rows_added:,} added, {upload.rows_revised:,} revised, "
        f"{upload.rows_unchanged:,} unchanged); rejected: {upload.rows_rejected:,}."
    )
    for note in upload.read_summary().notes:
        out.write(f"  {note}")
