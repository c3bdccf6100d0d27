"""A page of its own for each record of the chain assessment → recommendation → action item →
TA request → activity → milestone, with links both ways (issue 16). Read-only pages: whoever may
see the site may see them; anyone else gets 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from engagements import selectors
from engagements.models import ActionItem, Activity, Milestone, Recommendation
from psp.accounts.http import AuthenticatedHttpRequest
from sites.models import Site
from sites.permissions import allowed_actions


def _page(
    request: AuthenticatedHttpRequest, template: str, site: Site, **context: object
) -> HttpResponse:
    actions = {a.value for a in allowed_actions(request.user, site)}
    return render(request, f"engagements/{template}", {"site": site, "actions": actions, **context})


@login_required
@require_GET
def activity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An activity (a deleted one too, marked so, with its Undo), the TA requests it delivered
    and what those served, its engagement and the milestones it reached."""
    activity = get_object_or_404(
        Activity.all_objects.for_user(request.user).with_details().select_related("deleted_by"),
        pk=pk,
    )
    return _page(
        request,
        "activity_detail.html",
        activity.site,
        a=activity,
        requests=selectors.requests_delivered_by(activity),
    )


@login_required
@require_GET
def action_item_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An action item, the recommendation it answers, the TA requests that serve it and the
    activities that delivered them."""
    item = get_object_or_404(
        ActionItem.objects.for_user(request.user).select_related(
            "engagement__site", "engagement__core_area", "recommendation"
        ),
        pk=pk,
    )
    requests = selectors.requests_serving(action_item=item)
    return _page(
        request,
        "action_item_detail.html",
        item.engagement.site,
        item=item,
        requests=requests,
        activities=selectors.activities_delivering(requests),
    )


@login_required
@require_GET
def recommendation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A recommendation, the action items answering it and the TA requests serving it."""
    rec = get_object_or_404(
        Recommendation.objects.for_user(request.user).select_related(
            "engagement__site", "engagement__core_area"
        ),
        pk=pk,
    )
    requests = selectors.requests_serving(recommendation=rec)
    return _page(
        request,
        "recommendation_detail.html",
        rec.engagement.site,
        rec=rec,
        items=rec.action_items.order_by("due_on", "id"),
        requests=requests,
        activities=selectors.activities_delivering(requests),
    )


@login_required
@require_GET
def milestone_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A milestone and what completed it: the activities that reached it and the TA requests
    that served it."""
    milestone = get_object_or_404(
        Milestone.objects.for_user(request.user).select_related("site"), pk=pk
    )
    return _page(
        request,
        "milestone_detail.html",
        milestone.site,
        m=milestone,
        activities=milestone.activities.with_details().order_by("-date", "-id"),
        requests=selectors.requests_serving(milestone=milestone),
    )
