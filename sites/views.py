"""Site pages: profile, phase, agencies. Thin: permission check, form, service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from psp.accounts.http import AuthenticatedHttpRequest
from psp.core import dataversion
from psp.core.forms import apply_validation_error
from sites import selectors, services
from sites.forms import (
    AgencyForm,
    PhaseChangeForm,
    PopulationFormSet,
    SiteProfileForm,
    population_rows,
)
from sites.permissions import (
    SiteAction,
    allowed_actions,
    get_site_for_user,
    require,
)


@login_required
@require_GET
def site_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One site: profile, engagement clock, team, agencies, phase and change history. Its body
    is served from the cache while nothing it shows has changed (``psp.core.dataversion``)."""
    site = get_site_for_user(request.user, slug)
    actions = {a.value for a in allowed_actions(request.user, site)}

    def context() -> dict[str, object]:
        history = None
        if SiteAction.VIEW_HISTORY in actions:
            history = selectors.site_change_history(site)
        return {
            "site": site,
            "actions": actions,
            "team": selectors.site_team(site),
            "agencies": site.agencies.prefetch_related("contacts"),
            "phase_changes": site.phase_changes.select_related("changed_by"),
            "history": history,
        }

    body = dataversion.cached_html(
        "site-detail",
        request,
        (site.pk, timezone.localdate(), sorted(actions)),
        "sites/_site_detail.html",
        context,
    )
    return render(request, "sites/site_detail.html", {"site": site, "body": body})


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Edit a site's profile (liaisons, the site's program manager, admins)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.EDIT_PROFILE)
    can_assign = request.user.is_psp_admin
    form = SiteProfileForm(request.POST or None, instance=site, can_assign_manager=can_assign)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            services.site_update(site=site, acting_user=request.user, changes=changes)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved the profile of {site.name}.")
            return redirect(site)
    site.refresh_from_db()
    return render(request, "sites/site_edit.html", {"site": site, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def site_phase(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Move a site to another phase with a reason (admins only)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.ADMINISTER)
    form = PhaseChangeForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.site_change_phase(
                site=site,
                to_phase=form.cleaned_data["to_phase"],
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{site.name} moved to {change.get_to_phase_display()}.")
            return redirect(site)
    return render(
        request,
        "sites/site_phase.html",
        {
            "site": site,
            "form": form,
            "phase_changes": site.phase_changes.select_related("changed_by"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Add a partner agency (local or federal) to a site."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.EDIT_PROFILE)
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_add(site=site, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Added {agency.name} to {site.name}.")
            return redirect(site)
    return render(request, "sites/agency_form.html", {"site": site, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def site_population(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A site's population by year (admins): rates of a year use that year's figure
    (docs/metrics.md §7.6)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.ADMINISTER)
    initial = [
        {"year": y, "population": p, "source": src}
        for y, p, src in selectors.site_population_rows(site)
    ]
    # Posted rows are read as sent: a row equal to its initial value must not count as blank.
    formset = PopulationFormSet(
        request.POST or None, initial=None if request.POST else initial, prefix="pop"
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.site_populations_replace(
                site=site, acting_user=request.user, rows=population_rows(formset)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved the population by year of {site.name}.")
            return redirect(site)
    return render(request, "sites/site_population.html", {"site": site, "formset": formset})
