"""TA requests: a partner submits, BJA staff review and decide, a liaison schedules and delivers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements import selectors, services
from engagements.forms import TARequestForm, TATransitionForm
from engagements.models import TARequest, TARequestStatus
from engagements.views.common import form_page, submit
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core.forms import apply_validation_error
from sites.permissions import SiteAction, allowed_actions, can, get_site_for_user, require

# Which permission moves a request into each status.
TRANSITION_ACTION = {
    TARequestStatus.UNDER_REVIEW: SiteAction.DECIDE_TA_REQUEST,
    TARequestStatus.APPROVED: SiteAction.DECIDE_TA_REQUEST,
    TARequestStatus.DECLINED: SiteAction.DECIDE_TA_REQUEST,
    TARequestStatus.SCHEDULED: SiteAction.LOG_WORK,
    TARequestStatus.DELIVERED: SiteAction.LOG_WORK,
}


@login_required
@require_GET
def ta_request_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A site's TA requests and where each one stands."""
    site = get_site_for_user(request.user, slug)
    return render(
        request,
        "engagements/ta_request_list.html",
        {
            "site": site,
            "requests": selectors.ta_requests_for_site(site),
            "actions": {a.value for a in allowed_actions(request.user, site)},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ta_request_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Ask for TA in a core area."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.SUBMIT_TA_REQUEST)
    # "Request TA for this action item" (and the like) preselects what the request serves.
    serves = ("engagement", "recommendation", "action_item", "milestone")
    initial = {k: request.GET[k] for k in serves if request.GET.get(k, "").isdigit()}
    form = TARequestForm(request.POST or None, site=site, initial=initial)
    if request.method == "POST" and form.is_valid():
        ta = submit(
            request,
            form,
            lambda: services.ta_request_submit(
                site=site, acting_user=request.user, **form.cleaned_data
            ),
            lambda ta: f"Submitted TA request #{ta.pk}; BJA will review it.",
        )
        if ta is not None:
            return redirect("engagements:ta_request", pk=ta.pk)
    return form_page(
        request, site=site, form=form, title="Request TA", submit_label="Submit request"
    )


def _visible_request(request: AuthenticatedHttpRequest, pk: int) -> TARequest:
    return get_object_or_404(
        TARequest.objects.for_user(request.user).select_related(
            "site",
            "core_area",
            "requested_by",
            "decided_by",
            "delivered_by",
            "engagement__core_area",
            "recommendation",
            "action_item",
            "milestone",
        ),
        pk=pk,
    )


def _next_steps(request: AuthenticatedHttpRequest, ta: TARequest) -> list[tuple[str, str]]:
    """The moves this user may make on this request now: (status, label)."""
    return [
        (s, TARequestStatus(s).label)
        for s in ta.next_statuses()
        if can(request.user, ta.site, TRANSITION_ACTION[TARequestStatus(s)])
    ]


@login_required
@require_GET
def ta_request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A request, its status history, and the next step for whoever may take it."""
    ta = _visible_request(request, pk)
    return _render_detail(request, ta, TATransitionForm(site=ta.site))


def _render_detail(
    request: AuthenticatedHttpRequest, ta: TARequest, form: TATransitionForm
) -> HttpResponse:
    return render(
        request,
        "engagements/ta_request_detail.html",
        {
            "site": ta.site,
            "ta": ta,
            "events": ta.events.select_related("actor"),
            "next_steps": _next_steps(request, ta),
            "form": form,
        },
    )


@login_required
@require_POST
def ta_request_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a request one step on (review, approve/decline, schedule, deliver)."""
    ta = _visible_request(request, pk)
    form = TATransitionForm(request.POST, site=ta.site)
    if form.is_valid():
        to_status = form.cleaned_data["to_status"]
        action = TRANSITION_ACTION.get(TARequestStatus(to_status))
        # A status nobody moves a request into is refused by the service as a skipped step.
        if action is not None and not can(request.user, ta.site, action):
            raise PermissionDenied("You cannot move this request to that status.")
        try:
            services.ta_request_transition(
                request=ta,
                acting_user=request.user,
                to_status=to_status,
                note=form.cleaned_data["note"],
                scheduled_for=form.cleaned_data["scheduled_for"],
                activity=form.cleaned_data["activity"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"TA request #{ta.pk} is now {TARequestStatus(to_status).label.lower()}."
            )
            return redirect("engagements:ta_request", pk=ta.pk)
    return _render_detail(request, ta, form)
