"""Recompute a site's metrics and watch the run (staff). Thin views: permission, service,
message, redirect; the status page polls its own fragment with HTMX while the run is active."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from metrics.models import MetricRun, RunTrigger
from metrics.services.runs import metric_run_request
from psp.accounts.http import AuthenticatedHttpRequest
from sites.permissions import SiteAction, allowed_actions, get_site_for_user, require


@login_required
@require_POST
def metrics_recompute(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Request a recompute of the site's metrics (BJA staff and admins)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.RECOMPUTE_METRICS)
    run = metric_run_request(site=site, acting_user=request.user, trigger=RunTrigger.MANUAL)
    messages.success(request, f"Recomputing the metrics of {site.name}.")
    return redirect("metrics:run_status", slug=site.slug, pk=run.pk)


@login_required
@require_GET
def metrics_run_status(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Progress of one recompute; HTMX asks for the fragment only."""
    site = get_site_for_user(request.user, slug)
    run = (
        MetricRun.objects.for_user(request.user)
        .filter(site=site, pk=pk)
        .select_related("requested_by")
        .first()
    )
    if run is None:
        raise Http404("No such run.")
    context = {
        "site": site,
        "run": run,
        "overdue": run.is_overdue(),
        "actions": {a.value for a in allowed_actions(request.user, site)},
    }
    if getattr(request, "htmx", False):
        return render(request, "metrics/_run_status.html", context)
    return render(request, "metrics/run_status.html", context)
