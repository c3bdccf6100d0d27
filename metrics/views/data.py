"""The site's Data page: upload, preview, confirm, follow the import, answer quality flags.

Thin views: permission helper → form → service → message → redirect.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from metrics import selectors, services
from metrics.forms import FlagForm, MappingForm, UploadForm
from metrics.intake.reader import format_size
from metrics.models import DataQualityFlag, Upload, UploadStatus
from metrics.selectors.preview import preview_diff
from metrics.services.stewardship import upload_confirm_with_reason
from metrics.services.uploads import DISCARDABLE
from metrics.views.stewardship import stewardship_context
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core.forms import apply_validation_error
from sites.models import Site
from sites.permissions import SiteAction, allowed_actions, get_site_for_user, require


def _data_context(
    request: AuthenticatedHttpRequest, site: Site, form: UploadForm | None = None
) -> dict[str, object]:
    actions = {a.value for a in allowed_actions(request.user, site)}
    can_upload = SiteAction.UPLOAD_DATA.value in actions
    return {
        "site": site,
        "actions": actions,
        "can_upload": can_upload,
        "form": form
        or (UploadForm(max_bytes=settings.PSP_UPLOAD_MAX_BYTES) if can_upload else None),
        "table": selectors.month_table(site),
        "uploads": selectors.recent_uploads(site),
        "flags": selectors.open_flags(site),
        "decided_flags": selectors.decided_flags(site),
        "flag_form": FlagForm() if can_upload else None,
        "incident_sources": selectors.incident_sources(site),
        "trust": selectors.trust_measures(site),
        "demo_counts": selectors.has_demo_counts(site),
        **stewardship_context(request, site),
    }


@login_required
@require_GET
def data_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A site's outcome data: latest months, uploads, incidents, trust, quality flags."""
    site = get_site_for_user(request.user, slug)
    return render(request, "metrics/data.html", _data_context(request, site))


@login_required
@require_POST
def upload_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Receive a file and show its preview (or say why it cannot be read)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    limit = settings.PSP_UPLOAD_MAX_BYTES
    # Refuse an oversized body before Django parses (and spools) the multipart upload.
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        messages.error(request, f"The file is over the limit of {format_size(limit)}.")
        return render(request, "metrics/data.html", _data_context(request, site), status=413)
    form = UploadForm(request.POST, request.FILES, max_bytes=limit)
    if form.is_valid():
        data = form.cleaned_data
        try:
            upload = services.upload_receive(
                site=site,
                kind=data["kind"],
                file=data["file"],
                acting_user=request.user,
                name=data["file"].name,
                preset=data["preset"],
                coverage_start=data["coverage_start"],
                coverage_end=data["coverage_end"],
            )
        except services.DuplicateUpload as exc:
            messages.error(
                request,
                format_html(
                    '{} <a href="{}">See the first upload.</a>',
                    exc.messages[0],
                    exc.first.get_absolute_url(),
                ),
            )
            form.add_error("file", exc.messages[0])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect(upload)
    return render(request, "metrics/data.html", _data_context(request, site, form), status=200)


def _upload_for(request: AuthenticatedHttpRequest, slug: str, pk: int) -> tuple[Site, Upload]:
    site = get_site_for_user(request.user, slug)
    upload = get_object_or_404(
        Upload.objects.filter(site=site).select_related("uploaded_by"), pk=pk
    )
    upload.site = site
    return site, upload


@login_required
@require_GET
def upload_detail(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Preview (mapping, months, problems), progress while importing, then the results."""
    site, upload = _upload_for(request, slug, pk)
    can_upload = SiteAction.UPLOAD_DATA in allowed_actions(request.user, site)
    summary = upload.read_summary()
    mapping_form = None
    if can_upload and upload.status in (UploadStatus.INVALID, UploadStatus.VALIDATED):
        if not upload.preset and summary.headers or summary.sheets:
            mapping_form = MappingForm(
                headers=[] if upload.preset else list(summary.headers),
                targets=list(summary.targets),
                current=dict(summary.columns) or upload.mapping,
                sheets=list(summary.sheets),
                sheet=upload.sheet,
            )
    flags = DataQualityFlag.objects.filter(pk__in=summary.flags_raised).select_related("offense")
    return render(
        request,
        "metrics/upload_detail.html",
        {
            "site": site,
            "upload": upload,
            "summary": summary,
            "can_upload": can_upload,
            "mapping_form": mapping_form,
            "flags_raised": flags,
            "gva": upload.source == "gva",
            "problem_total": max(summary.problem_count, len(upload.errors)),
            "diff": preview_diff(upload),
            "discardable": [s.value for s in DISCARDABLE],
        },
    )


@login_required
@require_POST
def upload_mapping(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Check the file again with the column mapping (and sheet) the user chose."""
    site, upload = _upload_for(request, slug, pk)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    summary = upload.read_summary()
    form = MappingForm(
        request.POST,
        headers=[] if upload.preset else list(summary.headers),
        targets=list(summary.targets),
        current=upload.mapping,
        sheets=list(summary.sheets),
    )
    if form.is_valid():
        try:
            services.upload_validate(
                upload=upload,
                acting_user=request.user,
                mapping=None if upload.preset else form.mapping(),
                sheet=form.cleaned_data.get("sheet"),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.info(request, "Checked the file again with your choices.")
    else:
        messages.error(request, "Choose a sheet to import.")
    return redirect(upload)


@login_required
@require_POST
def upload_confirm(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Start the background import of a checked upload."""
    site, upload = _upload_for(request, slug, pk)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    try:
        upload_confirm_with_reason(
            upload=upload,
            acting_user=request.user,
            reason=request.POST.get("revision_reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Import of {upload.original_name} started.")
    return redirect(upload)


@login_required
@require_POST
def upload_requeue(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Queue again an import left waiting because the task queue was down."""
    site, upload = _upload_for(request, slug, pk)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    try:
        services.upload_requeue(upload=upload, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(upload)


@login_required
@require_POST
def upload_retry(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Check a failed upload's file again and queue its import."""
    site, upload = _upload_for(request, slug, pk)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    try:
        upload = services.upload_retry(upload=upload, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if upload.status == UploadStatus.INVALID:
            messages.error(request, "The file no longer passes its checks: see the problems.")
        else:
            messages.success(request, f"Import of {upload.original_name} started again.")
    return redirect(upload)


@login_required
@require_POST
def upload_discard(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remove an upload that imported nothing, so the same file can be sent again."""
    site, upload = _upload_for(request, slug, pk)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    try:
        services.upload_discard(upload=upload, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(upload)
    messages.success(request, f"Discarded {upload.original_name}; you can upload it again.")
    return redirect("metrics:data", slug=site.slug)


@login_required
@require_GET
def upload_status(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The progress fragment the page polls; tells HTMX to reload the page when done."""
    site, upload = _upload_for(request, slug, pk)
    response = render(request, "metrics/_upload_progress.html", {"site": site, "upload": upload})
    if not upload.is_running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def upload_file(request: AuthenticatedHttpRequest, slug: str, pk: int) -> FileResponse:
    """The original file, to people who may see the site (never from a public URL)."""
    site, upload = _upload_for(request, slug, pk)
    try:
        handle = upload.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=upload.original_name,
        content_type="application/octet-stream",
    )


@login_required
@require_POST
def flag_update(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Confirm or resolve a data-quality flag with a note."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    flag = get_object_or_404(DataQualityFlag.objects.filter(site=site), pk=pk)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            services.flag_update(
                flag=flag,
                acting_user=request.user,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            done = {"confirm": "confirmed", "resolve": "resolved", "exclude": "excluded"}
            messages.success(request, f"{flag.rule_name} flag {done[form.cleaned_data['action']]}.")
    else:
        errors = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
        messages.error(request, f"The flag was not changed ({errors}).")
    return redirect(reverse("metrics:data", args=[site.slug]) + "#flags")
