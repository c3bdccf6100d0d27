"""SecondFactorMiddleware: a signed-in person whose session still needs a second factor reaches
only the verify page (or, with no factor yet and a role that requires one, the set-up pages),
sign-out, password reset and the WebAuthn endpoints those pages call."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from psp.accounts import mfa

# Reachable whatever the second-factor state (by URL name).
ALWAYS = {
    "accounts:logout",
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "healthz",
    "readyz",
    "otp_webauthn:js-i18n-catalog",
}
WHILE_VERIFYING = {
    "accounts:mfa_verify",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
}
WHILE_ENROLLING = {
    "accounts:mfa_setup",
    "accounts:mfa_totp",
    "accounts:mfa_recovery",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
}


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware (which gives ``request.user.is_verified``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or mfa.session_state(request, user) != mfa.PENDING:
            return self.get_response(request)
        # Verified through a security key, by the library's own endpoint.
        if user.is_verified():  # type: ignore[attr-defined]
            mfa.mark_verified(request)
            return self.get_response(request)
        name = self._url_name(request)
        if name in ALWAYS or request.path.startswith("/static/"):
            return self.get_response(request)
        enrolled = mfa.has_factor(user)
        if name in (WHILE_VERIFYING if enrolled else WHILE_ENROLLING):
            return self.get_response(request)
        target = reverse("accounts:mfa_verify" if enrolled else "accounts:mfa_setup")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Second factor required: finish signing in in the browser."},
                status=403,
            )
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

    @staticmethod
    def _url_name(request: HttpRequest) -> str:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return ""
        return str(match.view_name)
