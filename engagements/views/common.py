"""The shape every add/edit page of the engagements app shares: call the service for a valid
form, show its validation errors on the form, or confirm and let the view redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from psp.core.forms import apply_validation_error
from sites.models import Site

T = TypeVar("T")


def submit(
    request: HttpRequest,
    form: forms.BaseForm,
    service: Callable[[], T],
    success: Callable[[T], str],
) -> T | None:
    """Run ``service``; on success flash ``success(result)`` and return the result, otherwise
    put the service's validation errors on ``form`` (nothing was saved) and return None."""
    try:
        result = service()
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None
    messages.success(request, success(result))
    return result


def form_page(
    request: HttpRequest, *, site: Site, form: forms.BaseForm, title: str, submit_label: str
) -> HttpResponse:
    """The one-form page (add/edit) in the site's layout."""
    return render(
        request,
        "engagements/form_page.html",
        {"site": site, "form": form, "title": title, "submit": submit_label},
    )
