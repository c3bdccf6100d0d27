"""Request types for annotations: what the project's middleware adds to every ``HttpRequest``."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that passed ``django_htmx.middleware.HtmxMiddleware`` (installed for every
    request in settings), which sets ``request.htmx``. For annotations only: views receive a
    plain ``HttpRequest`` at runtime."""

    htmx: HtmxDetails
