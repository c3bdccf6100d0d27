"""Logging TA activities, the activity list with its exports, and a site's timeline."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements import exports, selectors, services
from engagements.forms import ActivityFilterForm, ActivityForm
from engagements.models import Activity
from engagements.models.activities import UNDO_DAYS
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core import dataversion
from psp.core.forms import apply_validation_error
from sites.models import Site
from sites.permissions import SiteAction, allowed_actions, can, get_site_for_user, require

SESSION_LAST_SITE = "psp_last_activity_site"
SESSION_LAST_KIND = "psp_last_activity_kind"
SESSION_LAST_MODE = "psp_last_activity_mode"
LIST_PAGE_SIZE = 50


def _remember(request: AuthenticatedHttpRequest, site: Site, activity: Activity) -> None:
    """The log form opens on the site, kind and mode used last."""
    request.session[SESSION_LAST_SITE] = site.slug
    request.session[SESSION_LAST_KIND] = activity.kind
    request.session[SESSION_LAST_MODE] = activity.mode


@login_required
@require_GET
def activity_log_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Log activity" from anywhere: the last site used, the only site, or a choice of sites."""
    last = request.session.get(SESSION_LAST_SITE)
    sites = [
        s
        for s in Site.objects.for_user(request.user).select_related("cohort")
        if can(request.user, s, SiteAction.LOG_WORK)
    ]
    if last and any(s.slug == last for s in sites):
        return redirect("engagements:activity_log", slug=last)
    if len(sites) == 1:
        return redirect("engagements:activity_log", slug=sites[0].slug)
    return render(request, "engagements/activity_log_start.html", {"sites": sites})


@login_required
@require_http_methods(["GET", "POST"])
def activity_log(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Log an activity for a site: one short form, saved in one click."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.LOG_WORK)
    initial = {
        "date": timezone.localdate(),
        "kind": request.session.get(SESSION_LAST_KIND, ""),
        "mode": request.session.get(SESSION_LAST_MODE, "onsite"),
    }
    form = ActivityForm(request.POST or None, site=site, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_log(
                site=site, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _remember(request, site, activity)
            messages.success(request, f"Logged: {activity} at {site.name}.")
            return redirect("engagements:timeline", slug=site.slug)
    return render(
        request, "engagements/activity_form.html", {"site": site, "form": form, "editing": None}
    )


def _activity_for(request: AuthenticatedHttpRequest, pk: int) -> Activity:
    """An activity the user may see (404 otherwise) on a site where they may log work (403)."""
    activity = get_object_or_404(
        Activity.objects.for_user(request.user).select_related("site"), pk=pk
    )
    require(request.user, activity.site, SiteAction.LOG_WORK)
    return activity


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct a logged activity."""
    activity = _activity_for(request, pk)
    site = activity.site
    form = ActivityForm(
        request.POST or None, site=site, initial=ActivityForm.initial_from(activity)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity=activity, acting_user=request.user, changes=dict(form.cleaned_data)
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved changes to {activity}.")
            return redirect("engagements:timeline", slug=site.slug)
    return render(
        request,
        "engagements/activity_form.html",
        {"site": site, "form": form, "editing": activity},
    )


@login_required
@require_POST
def activity_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Log a recurring activity again, dated today, in one click. The form's one-time token
    makes the click idempotent: a double click logs it once and says so."""
    activity = _activity_for(request, pk)
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return HttpResponseBadRequest("This form has no valid token; reload the page.")
    try:
        copy, created = services.activity_log_again(
            activity=activity, acting_user=request.user, token=token
        )
    except ValidationError as exc:
        messages.error(request, "Could not log it again: " + " ".join(exc.messages))
    else:
        _remember(request, activity.site, copy)
        if created:
            messages.success(
                request,
                f"Logged again for today: {copy} ({copy.duration_hours:g} h). "
                "Use its Edit link to change any detail.",
            )
        else:
            messages.info(
                request, f"Already logged with this click: {copy}. Nothing new was added."
            )
    return redirect("engagements:timeline", slug=activity.site.slug)


@login_required
@require_POST
def activity_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a mistaken activity; it can be restored from the timeline for 30 days."""
    activity = _activity_for(request, pk)
    services.activity_delete(activity=activity, acting_user=request.user)
    messages.success(
        request,
        f"Deleted: {activity}. It no longer counts anywhere; “Undo” under “Recently deleted” "
        f"below restores it for {UNDO_DAYS} days.",
    )
    return redirect("engagements:timeline", slug=activity.site.slug)


@login_required
@require_POST
def activity_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Undo a deletion (within 30 days): the activity counts again everywhere."""
    activity = get_object_or_404(
        Activity.all_objects.for_user(request.user).select_related("site"), pk=pk
    )
    require(request.user, activity.site, SiteAction.LOG_WORK)
    try:
        services.activity_restore(activity=activity, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Restored: {activity}.")
    return redirect("engagements:timeline", slug=activity.site.slug)


def _check_site(request: AuthenticatedHttpRequest) -> None:
    # A site the user may not see is "not found", exactly like its pages.
    if request.GET.get("site"):
        get_site_for_user(request.user, request.GET["site"])


def _filter_form(request: AuthenticatedHttpRequest) -> ActivityFilterForm:
    _check_site(request)
    return ActivityFilterForm(request.GET, user=request.user)


@login_required
@require_GET
def activity_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every activity the user may see: filter, sort, page, export exactly these rows. The body
    is served from the cache while nothing it shows has changed (``psp.core.dataversion``)."""
    _check_site(request)
    body = dataversion.cached_html(
        "activities",
        request,
        (timezone.localdate(), request.GET.urlencode()),
        "engagements/_activity_list.html",
        lambda: _activity_list_context(request),
    )
    return render(request, "engagements/activity_list.html", {"body": body})


def _activity_list_context(request: AuthenticatedHttpRequest) -> dict[str, object]:
    form = ActivityFilterForm(request.GET, user=request.user)
    page = None
    sort = "-date"
    if form.is_valid():
        filters = form.filters()
        sort = filters.sort
        qs = selectors.activities_for(request.user, filters)
        page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    export_query = params.urlencode()
    params.pop("sort", None)
    return {
        "form": form,
        "page": page,
        "sort": sort,
        "query": params.urlencode(),
        "export_query": export_query,
    }


def _export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    form = _filter_form(request)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[f].label if f in form.fields else f}: {' '.join(str(m) for m in e)}"
            for f, e in form.errors.items()
        )
        return HttpResponseBadRequest(f"Fix the filters before exporting: {problems}")
    filters = form.filters()
    qs = selectors.activities_for(request.user, filters)
    stamp = timezone.localdate().isoformat()
    name = f"psp-activities-{filters.site.slug + '-' if filters.site else ''}{stamp}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(qs, name)
    return exports.xlsx_response(qs, name)


@login_required
@require_GET
def activity_export_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The filtered activity list as CSV, streamed."""
    return _export(request, "csv")


@login_required
@require_GET
def activity_export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The filtered activity list as XLSX, written without holding the rows in memory."""
    return _export(request, "xlsx")


@login_required
@require_GET
def timeline(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A site's timeline: activities, peer exchanges and milestones, newest first."""
    site = get_site_for_user(request.user, slug)
    actions = {a.value for a in allowed_actions(request.user, site)}
    page, entries = selectors.site_timeline(site, request.GET.get("page"))
    return render(
        request,
        "engagements/timeline.html",
        {
            "site": site,
            "page": page,
            "entries": entries,
            "actions": actions,
            "today": timezone.localdate(),
            "deleted": selectors.recently_deleted(site) if SiteAction.LOG_WORK in actions else [],
        },
    )
