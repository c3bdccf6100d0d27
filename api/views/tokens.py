"""The tokens page: create, list and revoke personal API tokens (administrators also see and
revoke everyone's). The secret is shown once, on the page that created it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from api import selectors, services
from api.forms import TokenForm
from api.models import ApiToken
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core.forms import apply_validation_error


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's tokens and the form for a new one."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_token_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.tokens_of(request.user),
            "everyone": selectors.tokens_of_everyone(request.user),
            "now": timezone.now(),
        },
    )
    # The secret must not be kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: the owner's own, or anyone's for an administrator (404 otherwise)."""
    visible = ApiToken.objects.all() if request.user.is_psp_admin else request.user.api_tokens
    token = get_object_or_404(visible, pk=pk)
    services.api_token_revoke(token=token, acting_user=request.user)
    messages.success(request, f"Revoked the token “{token.name}”; it no longer works.")
    return redirect("api:tokens")
