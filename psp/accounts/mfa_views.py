"""Second-factor pages: set up (app, security key, recovery codes), verify at sign-in, remove
one's own factor, and an administrator's reset of someone's factors (psp/accounts/mfa.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from psp.accounts import mfa
from psp.accounts.http import AuthenticatedHttpRequest
from psp.accounts.models import User
from psp.accounts.permissions import require_admin

TOTP_SESSION_KEY = "psp_mfa_totp_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TotpConfirmForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from the app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request: AuthenticatedHttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """At sign-in: a code from the app, a recovery code, or a security key."""
    if mfa.session_state(request, request.user) != mfa.PENDING:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.verify_code(request, request.user, form.cleaned_data["code"]):
            left = mfa.recovery_codes_left(request.user)
            if left <= 3:
                messages.warning(
                    request,
                    f"You have {left} recovery code{'s' if left != 1 else ''} left: "
                    "create new ones under Two-step verification.",
                )
            return redirect(_next(request))
        form.add_error(
            "code",
            "That code is not right, was already used, or came too late (app codes change "
            "every 30 seconds). Wrong codes make you wait a little longer each time.",
        )
    has_key = WebAuthnCredential.objects.filter(user=request.user, confirmed=True).exists()
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "next": _next(request), "has_key": has_key},
    )


@login_required
@require_http_methods(["GET"])
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two-step verification: the person's factors, adding one, recovery codes."""
    user = request.user
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "required": mfa.is_required_for(user),
            "pending": mfa.session_state(request, user) == mfa.PENDING,
            "totp": TOTPDevice.objects.filter(user=user, confirmed=True).first(),
            "keys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk"),
            "recovery_left": mfa.recovery_codes_left(user),
            "has_factor": mfa.has_factor(user),
            "next": _next(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def totp(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then type a code."""
    device = None
    pk = request.session.get(TOTP_SESSION_KEY)
    if request.method == "POST" and pk:
        device = TOTPDevice.objects.filter(user=request.user, pk=pk, confirmed=False).first()
    if device is None:
        enrolment = mfa.totp_start(request.user)
        request.session[TOTP_SESSION_KEY] = enrolment.device.pk
        form = TotpConfirmForm()
    else:
        enrolment = mfa.totp_enrolment(device)
        form = TotpConfirmForm(request.POST)
        if form.is_valid():
            if mfa.totp_confirm(request, device, form.cleaned_data["code"]):
                del request.session[TOTP_SESSION_KEY]
                messages.success(request, "Your authenticator app is set up.")
                if not mfa.recovery_codes_left(request.user):
                    return _show_recovery_codes(request, mfa.recovery_codes_new(request.user))
                return redirect(
                    _next(request) if request.POST.get("next") else "accounts:mfa_setup"
                )
            form.add_error(
                "code",
                "That code does not match: check the app shows PSP Portfolio and type the "
                "code it shows now.",
            )
    return render(
        request,
        "accounts/mfa_totp.html",
        {"form": form, "enrolment": enrolment, "next": request.GET.get("next", "")},
    )


def _show_recovery_codes(request: AuthenticatedHttpRequest, codes: list[str]) -> HttpResponse:
    return render(request, "accounts/mfa_recovery.html", {"codes": codes})


@login_required
@require_POST
def recovery(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); shown once."""
    if not mfa.has_factor(request.user):
        messages.error(request, "Set up an authenticator app or a security key first.")
        return redirect("accounts:mfa_setup")
    return _show_recovery_codes(request, mfa.recovery_codes_new(request.user))


@login_required
@require_POST
def remove(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Remove one of one's own factors."""
    try:
        mfa.factor_remove(user=request.user, kind=kind, pk=pk)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The second factor is removed.")
    return redirect("accounts:mfa_setup")


@login_required
@require_POST
def user_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An administrator removes someone's second factors (lost phone or key)."""
    require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    removed = mfa.factors_reset(user=person, acting_user=request.user)
    messages.success(
        request,
        f"Removed {removed} second factor{'s' if removed != 1 else ''} and the recovery codes "
        f"of {person}. They set up a new one at their next sign-in"
        + (" (their role requires it)." if mfa.is_required_for(person) else "."),
    )
    return redirect("accounts:user_detail", person.pk)
