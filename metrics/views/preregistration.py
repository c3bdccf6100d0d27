"""A site's pre-registration and its reporting set-up (docs/metrics.md §8.5, §10).

``/sites/<slug>/preregistration/``: the plan in force, every earlier version with who, when and
why, and for administrators the form recording a new version. ``/sites/<slug>/reporting-setup/``:
what onboarding set up for the evaluation in one place — the reporting schedule (administrators
change it here) and the pre-registration. Anyone who may see the site reads both.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from metrics.forms import PreregistrationForm, ScheduleForm
from metrics.selectors.preregistration import preregistration_history
from metrics.selectors.review import review_overview
from metrics.services import stewardship
from metrics.services.preregistration import preregistration_record
from metrics.views.stewardship import offense_choices, schedule_initial
from psp.accounts.http import AuthenticatedHttpRequest
from sites.permissions import SiteAction, can, get_site_for_user, require


@login_required
def preregistration(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Read the pre-registration and its history; administrators record a new version."""
    site = get_site_for_user(request.user, slug)
    can_admin = can(request.user, site, SiteAction.ADMINISTER)
    history = preregistration_history(site)
    current = history[0] if history else None
    form = None
    if request.method == "POST":
        require(request.user, site, SiteAction.ADMINISTER)
        form = PreregistrationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = preregistration_record(
                    site=site,
                    acting_user=request.user,
                    primary_outcome=data["primary_outcome"],
                    window_months=data["window_months"],
                    gap_months=data["gap_months"],
                    comparison_rule=data["comparison_rule"],
                    mde_pct=data["mde_pct"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field == "__all__" else field, errors)
            else:
                messages.success(request, f"Pre-registration version {version.version} recorded.")
                return redirect("metrics:preregistration", site.slug)
    elif can_admin:
        form = PreregistrationForm(
            initial={
                "primary_outcome": current.primary_outcome,
                "window_months": current.window_months,
                "gap_months": current.gap_months,
                "comparison_rule": current.comparison_rule,
                "mde_pct": current.mde_pct,
            }
            if current
            else None
        )
    return render(
        request,
        "metrics/preregistration.html",
        {"site": site, "current": current, "history": history, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def reporting_setup(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The reporting schedule and the pre-registration; administrators change the schedule."""
    site = get_site_for_user(request.user, slug)
    can_admin = can(request.user, site, SiteAction.ADMINISTER)
    overview = review_overview(site)
    form = None
    if request.method == "POST":
        require(request.user, site, SiteAction.ADMINISTER)
        form = ScheduleForm(request.POST, offenses=offense_choices())
        if form.is_valid():
            data = form.cleaned_data
            try:
                stewardship.schedule_save(
                    site=site,
                    acting_user=request.user,
                    due_days=data["due_days"],
                    offenses=data["offenses"],
                    incidents_expected=data["incidents_expected"],
                    reporting_from=data["reporting_from"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field == "__all__" else field, errors)
            else:
                messages.success(request, "Reporting schedule saved.")
                return redirect(reverse("metrics:reporting_setup", args=[site.slug]))
    elif can_admin:
        form = ScheduleForm(offenses=offense_choices(), initial=schedule_initial(overview.schedule))
    history = preregistration_history(site)
    return render(
        request,
        "metrics/reporting_setup.html",
        {
            "site": site,
            "review": overview,
            "schedule_form": form,
            "current": history[0] if history else None,
        },
        status=400 if form is not None and form.errors else 200,
    )
