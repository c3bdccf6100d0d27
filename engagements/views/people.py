"""A person's sites and roles, and handing a departing liaison's work to someone else
(PSP administrators; issue 16). Thin: permission check, form, service, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from engagements import selectors, services
from engagements.forms import ReassignForm
from engagements.views.common import submit
from psp.accounts.http import AuthenticatedHttpRequest
from psp.accounts.models import User
from psp.accounts.permissions import require_admin
from sites import services as site_services
from sites.forms import MembershipForm
from sites.models import Site


def _person(request: AuthenticatedHttpRequest, pk: int) -> User:
    require_admin(request.user)
    return get_object_or_404(User, pk=pk)


def _page(request: AuthenticatedHttpRequest, person: User, **forms: object) -> HttpResponse:
    context = {
        "person": person,
        "memberships": person.memberships.select_related("site").order_by("site__name"),
        "history": selectors.membership_history(person),
        "form": MembershipForm(),
        "reassign": ReassignForm(from_user=person),
        **forms,
    }
    return render(request, "engagements/person_sites.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_sites(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A person's sites with the role on each: add one, change a role, take one away."""
    person = _person(request, pk)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: site_services.membership_set(
                site=data["site"],
                user=person,
                role=data["role"],
                acting_user=request.user,
                confirm_role_change=data["confirm_role_change"],
            ),
            lambda m: (
                f"{person} is now {m.get_role_display()} at {m.site.name}. "
                "It applies at their next request."
            ),
        )
        if done is not None:
            return redirect("engagements:person_sites", person.pk)
    return _page(request, person, form=form)


@login_required
@require_POST
def person_site_remove(request: AuthenticatedHttpRequest, pk: int, site_pk: int) -> HttpResponse:
    """Take every role a person holds on one site away."""
    person = _person(request, pk)
    site = get_object_or_404(Site, pk=site_pk)
    site_services.membership_remove(site=site, user=person, acting_user=request.user)
    messages.success(request, f"{person} no longer has a role at {site.name}.")
    return redirect("engagements:person_sites", person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def person_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Preview (GET with ``to_user``), then move (POST) all of a liaison's sites at once."""
    person = _person(request, pk)
    form = ReassignForm(request.POST or request.GET or None, from_user=person)
    if not form.is_valid():
        return _page(request, person, reassign=form)
    to_user = form.cleaned_data["to_user"]
    if request.method == "POST":
        moved = submit(
            request,
            form,
            lambda: services.liaison_reassign(
                from_user=person,
                to_user=to_user,
                acting_user=request.user,
                confirm_role_change=form.cleaned_data["confirm_role_change"],
            ),
            lambda plan: f"Moved {len(plan.sites)} sites from {person} to {to_user}.",
        )
        if moved is not None:
            return redirect("engagements:person_sites", to_user.pk)
    plan = selectors.reassignment_plan(from_user=person, to_user=to_user)
    return render(
        request,
        "engagements/person_reassign.html",
        {"person": person, "plan": plan, "form": form},
    )
