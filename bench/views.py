"""The floor page of the page benchmark and the server-timing middleware (bench settings only)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """A signed-in page in the site's layout with nothing on it: what every page pays (session,
    user, middleware, navigation, base template) and nothing more."""
    return render(request, "bench/bare.html")


class ServerTimingMiddleware:
    """Adds ``Server-Timing: app;dur=<ms>``: the time from the first middleware to the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.2f}"
        return response
