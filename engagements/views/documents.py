"""A site's documents: list, attach (liaisons and staff who may log work), download (whoever
may see the site; anyone else gets 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from engagements import services
from engagements.forms import AttachmentForm
from engagements.models import Attachment
from engagements.services.attachments import attachment_dir
from engagements.views.common import submit
from psp.accounts.http import AuthenticatedHttpRequest
from sites.permissions import SiteAction, allowed_actions, get_site_for_user, require

TARGETS = ("engagement", "milestone", "activity")


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The site's documents, newest first, and the form to attach one."""
    site = get_site_for_user(request.user, slug)
    actions = {a.value for a in allowed_actions(request.user, site)}
    initial = {k: request.GET[k] for k in TARGETS if request.GET.get(k, "").isdigit()}
    form = AttachmentForm(request.POST or None, request.FILES or None, site=site, initial=initial)
    if request.method == "POST":
        require(request.user, site, SiteAction.LOG_WORK)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            done = submit(
                request,
                form,
                lambda: services.attachment_add(
                    site=site,
                    acting_user=request.user,
                    file=upload,
                    filename=upload.name or "",
                    size=upload.size or 0,
                    kind=data["kind"],
                    title=data["title"],
                    **{k: data[k] for k in TARGETS},
                ),
                lambda a: f"Attached {a} ({a.size:,} bytes).",
            )
            if done is not None:
                return redirect("engagements:documents", slug=site.slug)
    return render(
        request,
        "engagements/documents.html",
        {
            "site": site,
            "actions": actions,
            "form": form,
            "attachments": Attachment.objects.filter(site=site).select_related(
                "uploaded_by", "engagement__core_area", "milestone", "activity"
            ),
        },
    )


@login_required
@require_GET
def document_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The stored file, as a download under its (sanitised) original name."""
    attachment = get_object_or_404(Attachment.objects.for_user(request.user), pk=pk)
    path = attachment_dir() / attachment.stored_name
    if not path.is_file():
        raise Http404("The stored file is missing.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
