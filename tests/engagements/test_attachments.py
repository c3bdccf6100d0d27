"""Issue 16: documents are recognised by content, at most 25 MB, kept outside the web root, and
downloaded only by people who may see the site, under a safe file name."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from engagements import services
from engagements.models import Attachment
from engagements.models.attachments import MAX_ATTACHMENT_BYTES

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, settings):
    settings.PSP_UPLOAD_DIR = tmp_path / "uploads"
    return settings.PSP_UPLOAD_DIR


def attach(site, user, data: bytes, name: str, kind: str = "strategic_plan", **kw):
    return services.attachment_add(
        site=site,
        acting_user=user,
        file=io.BytesIO(data),
        filename=name,
        size=len(data),
        kind=kind,
        **kw,
    )


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF, "Strategic plan 2025.pdf", "application/pdf"),
        (PNG, "org-chart.PNG", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "photo.jpeg", "image/jpeg"),
        (
            docx_bytes(),
            "agenda.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            xlsx_bytes(),
            "budget.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_each_accepted_type_is_recognised_by_content(
    site_a, liaison_a, upload_dir, data, name, content_type
):
    doc = attach(site_a, liaison_a, data, name)
    assert doc.content_type == content_type
    stored = Path(upload_dir) / "attachments" / doc.stored_name
    assert stored.read_bytes() == data
    import hashlib

    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    # Outside the web root: neither under the static files nor the media folder.
    for served in (settings.STATIC_ROOT, settings.MEDIA_ROOT):
        assert not stored.resolve().is_relative_to(Path(served).resolve())
    assert name not in doc.stored_name


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (WINDOWS_PROGRAM, "strategic-plan.pdf"),
        (LINUX_PROGRAM, "report.docx"),
        (b"PK\x03\x04not really a zip", "budget.xlsx"),
        (b"plain text, not a document", "notes.pdf"),
    ],
)
def test_a_renamed_program_or_unknown_file_is_refused_and_nothing_is_stored(
    site_a, liaison_a, upload_dir, data, name
):
    with pytest.raises(ValidationError, match="not a PDF, DOCX, XLSX, PNG or JPEG"):
        attach(site_a, liaison_a, data, name)
    assert not Attachment.objects.exists()
    assert not (Path(upload_dir) / "attachments").exists() or not any(
        (Path(upload_dir) / "attachments").iterdir()
    )


def test_a_document_whose_name_lies_about_its_type_is_refused(site_a, liaison_a):
    with pytest.raises(ValidationError, match="contains a Word document"):
        attach(site_a, liaison_a, docx_bytes(), "budget.xlsx")


def test_a_file_over_25_mb_is_refused_and_one_of_exactly_25_mb_is_kept(site_a, liaison_a):
    big = PDF + b"0" * (MAX_ATTACHMENT_BYTES + 1 - len(PDF))
    with pytest.raises(ValidationError, match="at most 25 MB"):
        attach(site_a, liaison_a, big, "plan.pdf")
    exact = big[:MAX_ATTACHMENT_BYTES]
    assert attach(site_a, liaison_a, exact, "plan.pdf").size == MAX_ATTACHMENT_BYTES


def test_a_document_cannot_be_attached_to_another_sites_milestone(site_a, site_b, liaison_a):
    from tests.engagements.factories import MilestoneFactory

    with pytest.raises(ValidationError) as caught:
        attach(site_a, liaison_a, PDF, "plan.pdf", milestone=MilestoneFactory(site=site_b))
    assert "milestone" in caught.value.message_dict


def test_upload_and_download_through_the_pages(client_for, liaison_a, partner_a, site_a):
    url = reverse("engagements:documents", args=[site_a.slug])
    response = client_for(liaison_a).post(
        url,
        {"file": SimpleUploadedFile("Plan.pdf", PDF), "kind": "strategic_plan", "title": ""},
    )
    assert response.status_code == 302
    doc = Attachment.objects.get()
    assert doc.title == "Plan.pdf" and doc.uploaded_by == liaison_a
    body = client_for(partner_a).get(url).content.decode()
    download = reverse("engagements:document_download", args=[doc.pk])
    assert download in body
    got = client_for(partner_a).get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"] == 'attachment; filename="Plan.pdf"'


def test_a_refused_upload_says_why_on_the_form(client_for, liaison_a, site_a):
    response = client_for(liaison_a).post(
        reverse("engagements:documents", args=[site_a.slug]),
        {"file": SimpleUploadedFile("plan.pdf", WINDOWS_PROGRAM), "kind": "strategic_plan"},
    )
    assert response.status_code == 200
    assert "not a PDF, DOCX, XLSX, PNG or JPEG file by its content" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ('plan"; filename="evil.exe.pdf', 'attachment; filename="plan_; filename=_evil.exe.pdf"'),
        ("../../etc/passwd.pdf", 'attachment; filename="passwd.pdf"'),
        ("line\r\nSet-Cookie: x=1.pdf", 'attachment; filename="line__Set-Cookie_ x=1.pdf"'),
        ("Plan estratégico.pdf", "attachment; filename*=utf-8''Plan%20estrat%C3%A9gico.pdf"),
        ("C:\\Users\\me\\plan.pdf", 'attachment; filename="plan.pdf"'),
    ],
)
def test_the_download_header_is_safe_for_any_file_name(
    client_for, liaison_a, site_a, name, expected
):
    doc = attach(site_a, liaison_a, PDF, name)
    response = client_for(liaison_a).get(reverse("engagements:document_download", args=[doc.pk]))
    assert response["Content-Disposition"] == expected
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("role", "see", "upload"),
    [
        ("admin", 200, 302),
        ("pm", 200, 302),
        ("auditor", 200, 403),
        ("liaison_a", 200, 302),
        ("partner_a", 200, 403),
        ("liaison_b", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_who_may_see_download_and_attach(cast, client_for, liaison_a, site_a, role, see, upload):
    doc = attach(site_a, liaison_a, PDF, "plan.pdf")
    client = client_for(cast[role])
    assert client.get(reverse("engagements:document_download", args=[doc.pk])).status_code == see
    assert client.get(reverse("engagements:documents", args=[site_a.slug])).status_code == see
    posted = client.post(
        reverse("engagements:documents", args=[site_a.slug]),
        {"file": SimpleUploadedFile("p.pdf", PDF), "kind": "agenda"},
    )
    assert posted.status_code == upload


def test_anonymous_visitors_are_sent_to_sign_in(client, liaison_a, site_a):
    doc = attach(site_a, liaison_a, PDF, "plan.pdf")
    response = client.get(reverse("engagements:document_download", args=[doc.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
