"""Sign in and out."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from psp.accounts.forms import SignInForm


class SignInView(LoginView):
    """Email + password sign-in; lockouts are handled by django-axes (per account)."""

    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session (POST only, so a link or image cannot sign someone out)."""
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")
