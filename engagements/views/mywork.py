"""A liaison's "My work" page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from engagements import selectors
from psp.accounts.http import AuthenticatedHttpRequest
from sites.permissions import SiteAction, can_anywhere


@login_required
@require_GET
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My sites, this week's activities, overdue items and milestones, open TA requests."""
    context = selectors.my_work(request.user)
    context["can_log"] = can_anywhere(request.user, SiteAction.LOG_WORK)
    return render(request, "engagements/my_work.html", context)
