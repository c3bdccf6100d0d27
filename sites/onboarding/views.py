"""Onboarding pages (PSP administrators): one site, a cohort from a CSV, the jurisdiction search,
and a new site's milestone schedule. Thin: permission check, form, service, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from engagements.models import Milestone
from psp.accounts.http import AuthenticatedHttpRequest
from psp.accounts.permissions import require_admin
from psp.core.forms import apply_validation_error
from sites import services
from sites.onboarding import gazetteer
from sites.onboarding import services as onboarding
from sites.onboarding.bulk import parse_onboarding_csv, sites_onboard_bulk
from sites.onboarding.forms import (
    AgencyFormSet,
    BulkOnboardForm,
    MilestoneDatesForm,
    OnboardSiteForm,
)
from sites.permissions import SiteAction, get_site_for_user, require

# The bulk preview carries the checked file to the confirm step, signed so it cannot be swapped.
BULK_SALT = "sites.bulk-onboarding"
BULK_MAX_AGE = 60 * 60


@login_required
@require_GET
def place_search(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Jurisdiction suggestions for the onboarding form, from the offline gazetteer."""
    require_admin(request.user)
    query = request.GET.get("q", "")[:100]
    places = gazetteer.search(query, limit=10)
    return JsonResponse({"query": query, "results": [p.as_json() for p in places]})


@login_required
@require_http_methods(["GET", "POST"])
def site_onboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Onboard a site": one grouped page; the service creates everything in one transaction."""
    require_admin(request.user)
    form = OnboardSiteForm(request.POST or None)
    agencies = AgencyFormSet(request.POST or None, prefix="agency")
    if request.method == "POST" and form.is_valid() and agencies.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                cohort = services.cohort_ensure(
                    year=data["cohort_year"], name=f"{data['cohort_year']} cohort"
                )
                site = onboarding.site_onboard(
                    acting_user=request.user,
                    cohort=cohort,
                    agencies=[
                        (row["name"], row["kind"])
                        for row in agencies.cleaned_data
                        if row.get("name")
                    ],
                    **{k: v for k, v in data.items() if k != "cohort_year"},
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                f"{site.name}, {site.state} is onboarded. Check its milestone schedule and "
                "its reporting set-up (schedule and pre-registration), then invite its "
                "liaisons and partners.",
            )
            return redirect("onboarding:milestones", site.slug)
    return render(request, "onboarding/onboard.html", {"form": form, "agencies": agencies})


@login_required
@require_http_methods(["GET", "POST"])
def site_onboard_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Several sites from a CSV: upload → full report → confirm → all created, or none."""
    require_admin(request.user)
    form = BulkOnboardForm()
    report = None
    payload = ""
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            data = signing.loads(
                request.POST.get("payload", ""), salt=BULK_SALT, max_age=BULK_MAX_AGE
            ).encode()
        except signing.BadSignature:
            messages.error(request, "That preview has expired; upload the file again.")
            return redirect("onboarding:onboard_bulk")
        report = parse_onboarding_csv(data)
        if report.ok:
            try:
                created = sites_onboard_bulk(acting_user=request.user, rows=report.rows)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages) + " No sites were created.")
            else:
                messages.success(request, f"Onboarded {len(created)} sites.")
                return redirect(f"{reverse('dashboards:portfolio')}?phase=onboarding")
    elif request.method == "POST":
        form = BulkOnboardForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"]
            report = parse_onboarding_csv(data)
            if report.ok:
                text = data.decode("utf-8-sig", errors="replace")
                payload = signing.dumps(text, salt=BULK_SALT, compress=True)
    return render(
        request,
        "onboarding/onboard_bulk.html",
        {"form": form, "report": report, "payload": payload},
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_milestones(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The site's milestone schedule with editable due and completion dates (admins)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.ADMINISTER)
    milestones = list(Milestone.objects.filter(site=site).order_by("due_on", "id"))
    rows = [
        (
            m,
            MilestoneDatesForm(
                request.POST or None,
                prefix=f"m{m.pk}",
                initial={"due_on": m.due_on, "completed_on": m.completed_on},
            ),
        )
        for m in milestones
    ]
    if request.method == "POST" and all(f.is_valid() for _, f in rows):
        changes = {
            m.pk: (f.cleaned_data["due_on"], f.cleaned_data["completed_on"]) for m, f in rows
        }
        try:
            changed = onboarding.site_milestones_reschedule(
                site=site, acting_user=request.user, changes=changes
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved the schedule of {site.name} ({changed} changed).")
            return redirect("onboarding:milestones", site.slug)
    return render(request, "onboarding/milestones.html", {"site": site, "rows": rows})
