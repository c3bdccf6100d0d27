"""A site's plan: engagements, recommendations, action items and milestones, kept current
inline (HTMX) without leaving the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements import selectors, services
from engagements.forms import (
    ActionItemForm,
    ActionItemStatusForm,
    EngagementCreateForm,
    EngagementForm,
    MilestoneForm,
    RecommendationForm,
)
from engagements.models import ActionItem, Activity, Engagement, Milestone
from engagements.views.common import form_page, submit
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core.forms import choice_field
from sites.models import Site
from sites.permissions import SiteAction, allowed_actions, get_site_for_user, require


def _actions(request: AuthenticatedHttpRequest, site: Site) -> set[str]:
    return {a.value for a in allowed_actions(request.user, site)}


@login_required
@require_GET
def plan(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Every engagement of a site with its recommendations, action items and milestones."""
    site = get_site_for_user(request.user, slug)
    return render(
        request,
        "engagements/plan.html",
        {
            "site": site,
            "engagements": selectors.site_plan(site),
            "milestones": Milestone.objects.filter(site=site).order_by("due_on", "id"),
            "actions": _actions(request, site),
            "today": timezone.localdate(),
            "status_choices": choice_field(ActionItemStatusForm.base_fields, "status").choices,
        },
    )


def _engagement_for(
    request: AuthenticatedHttpRequest, slug: str, pk: int
) -> tuple[Site, Engagement]:
    site = get_site_for_user(request.user, slug)
    engagement = get_object_or_404(
        Engagement.objects.filter(site=site).select_related("core_area", "lead"), pk=pk
    )
    return site, engagement


@login_required
@require_GET
def engagement_detail(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One engagement: goal, status, lead, recommendations, action items, linked activities."""
    site, engagement = _engagement_for(request, slug, pk)
    activities = (
        Activity.objects.filter(engagement=engagement).with_details().order_by("-date", "-id")
    )
    page = Paginator(activities, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "engagements/engagement_detail.html",
        {
            "site": site,
            "engagement": engagement,
            "recommendations": engagement.recommendations.order_by("number"),
            "items": engagement.action_items.select_related("recommendation").order_by(
                "due_on", "id"
            ),
            "page": page,
            "actions": _actions(request, site),
            "today": timezone.localdate(),
            "status_choices": choice_field(ActionItemStatusForm.base_fields, "status").choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Open an engagement in a core area the site has prioritised."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.LOG_WORK)
    form = EngagementCreateForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ended_on = data.pop("ended_on")

        def create() -> Engagement:
            engagement = services.engagement_create(site=site, acting_user=request.user, **data)
            if ended_on:
                services.engagement_update(
                    engagement=engagement, acting_user=request.user, changes={"ended_on": ended_on}
                )
            return engagement

        if submit(request, form, create, lambda e: f"Opened the {e.core_area.name} engagement."):
            return redirect("engagements:plan", slug=site.slug)
    return form_page(
        request, site=site, form=form, title="Add engagement", submit_label="Add engagement"
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change an engagement's goal, status, priority, lead and dates."""
    site, engagement = _engagement_for(request, slug, pk)
    require(request.user, site, SiteAction.LOG_WORK)
    initial = {f: getattr(engagement, f) for f in services.plans.ENGAGEMENT_EDITABLE}
    form = EngagementForm(request.POST or None, site=site, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        if submit(
            request,
            form,
            lambda: services.engagement_update(
                engagement=engagement, acting_user=request.user, changes=changes
            ),
            lambda e: f"Saved the {e.core_area.name} engagement.",
        ):
            return redirect("engagements:engagement", slug=site.slug, pk=engagement.pk)
    return form_page(
        request,
        site=site,
        form=form,
        title=f"Edit {engagement.core_area.name} engagement",
        submit_label="Save engagement",
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_add(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add a numbered recommendation (usually from the assessment report)."""
    site, engagement = _engagement_for(request, slug, pk)
    require(request.user, site, SiteAction.LOG_WORK)
    form = RecommendationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if submit(
            request,
            form,
            lambda: services.recommendation_add(
                engagement=engagement, acting_user=request.user, **form.cleaned_data
            ),
            lambda rec: f"Added recommendation {rec.number}.",
        ):
            return redirect("engagements:engagement", slug=site.slug, pk=engagement.pk)
    return form_page(
        request,
        site=site,
        form=form,
        title=f"Add recommendation: {engagement.core_area.name}",
        submit_label="Add recommendation",
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_item_add(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add an action item to an engagement's plan."""
    site, engagement = _engagement_for(request, slug, pk)
    require(request.user, site, SiteAction.LOG_WORK)
    form = ActionItemForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        if submit(
            request,
            form,
            lambda: services.action_item_add(
                engagement=engagement, acting_user=request.user, **form.cleaned_data
            ),
            lambda item: f"Added action item “{item.title}”.",
        ):
            return redirect("engagements:engagement", slug=site.slug, pk=engagement.pk)
    return form_page(
        request,
        site=site,
        form=form,
        title=f"Add action item: {engagement.core_area.name}",
        submit_label="Add action item",
    )


@login_required
@require_POST
def action_item_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an action item's status inline; HTMX gets the updated row back."""
    item = get_object_or_404(
        ActionItem.objects.for_user(request.user).select_related(
            "engagement__site", "engagement__core_area", "recommendation"
        ),
        pk=pk,
    )
    site = item.engagement.site
    require(request.user, site, SiteAction.LOG_WORK)
    form = ActionItemStatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            item = services.action_item_update_status(
                item=item, acting_user=request.user, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Choose one of the listed statuses."
    if request.htmx:
        item = ActionItem.objects.select_related(
            "engagement__site", "engagement__core_area", "recommendation"
        ).get(pk=item.pk)
        return render(
            request,
            "engagements/_action_item_row.html",
            {
                "item": item,
                "actions": _actions(request, site),
                "today": timezone.localdate(),
                "status_choices": choice_field(ActionItemStatusForm.base_fields, "status").choices,
                "error": error,
                "saved": not error,
            },
        )
    if error:
        messages.error(request, f"“{item.title}” was not changed: {error}")
    else:
        messages.success(request, f"“{item.title}” is now {item.get_status_display().lower()}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("engagements:plan", args=[site.slug])
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Add a milestone, e.g. a new capability ("CompStat launched")."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.LOG_WORK)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if submit(
            request,
            form,
            lambda: services.milestone_create(
                site=site, acting_user=request.user, **form.cleaned_data
            ),
            lambda milestone: f"Added milestone “{milestone.title}”.",
        ):
            return redirect("engagements:plan", slug=site.slug)
    return form_page(
        request, site=site, form=form, title="Add milestone", submit_label="Add milestone"
    )


@login_required
@require_POST
def milestone_toggle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark a milestone reached today, or reopen it; HTMX gets the updated row back."""
    milestone = get_object_or_404(
        Milestone.objects.for_user(request.user).select_related("site"), pk=pk
    )
    site = milestone.site
    require(request.user, site, SiteAction.LOG_WORK)
    completed_on = None if request.POST.get("reopen") else timezone.localdate()
    services.milestone_set_completed(
        milestone=milestone, acting_user=request.user, completed_on=completed_on
    )
    if request.htmx:
        return render(
            request,
            "engagements/_milestone_row.html",
            {
                "milestone": milestone,
                "actions": _actions(request, site),
                "today": timezone.localdate(),
                "saved": True,
            },
        )
    messages.success(
        request,
        f"“{milestone.title}” {'reopened' if completed_on is None else 'marked reached'}.",
    )
    return redirect("engagements:plan", slug=site.slug)
