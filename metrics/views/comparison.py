"""Linking a site to its place in the national comparison pool (docs/metrics.md §9.6): an
admin's form on the site page, suggested by the site's state and name."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from metrics.forms import ComparisonLinkForm
from metrics.models import ComparisonLink, ComparisonPool
from metrics.services.comparison import (
    ComparisonLinkError,
    link_comparison_place,
    suggest_places,
)
from psp.accounts.http import AuthenticatedHttpRequest
from psp.accounts.permissions import require_admin
from sites.models import Site
from sites.permissions import get_site_for_user


@login_required
def comparison_link(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require_admin(request.user)
    site: Site = get_site_for_user(request.user, slug)
    current = ComparisonLink.objects.filter(site=site).select_related("place").first()
    initial = {"state": site.state, "place": site.name}
    form = ComparisonLinkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            link = link_comparison_place(
                site, form.cleaned_data["state"], form.cleaned_data["place"], user=request.user
            )
        except ComparisonLinkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{site.name} is linked to {link.place} in the comparison pool; its metrics "
                "use it from the next computation.",
            )
            return redirect("sites:detail", site.slug)
    return render(
        request,
        "metrics/comparison_link.html",
        {
            "site": site,
            "form": form,
            "current": current,
            "pool": ComparisonPool.objects.first(),
            "suggestions": suggest_places(site),
        },
    )
