"""Sign in and out; invitations; user management (PSP administrators only).

Thin views: permission check, form, service, message, redirect.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import (
    LoginView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from psp.accounts import mfa, selectors, services
from psp.accounts.forms import (
    AcceptInvitationForm,
    InviteForm,
    PasswordResetRequestForm,
    SetNewPasswordForm,
    SignInForm,
)
from psp.accounts.http import AuthenticatedHttpRequest
from psp.accounts.models import Invitation, InvitationStatus, User
from psp.accounts.permissions import require_admin
from psp.core.forms import apply_validation_error


class SignInView(LoginView):
    """Email + password sign-in; lockouts are handled by django-axes (per account)."""

    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordReset(PasswordResetView):
    """Ask for a reset link by email. The same answer whether or not the address has an account
    (no account enumeration); only active accounts with a password get an email."""

    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, int]:  # type: ignore[override]
        return {"expires_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


class PasswordResetDone(PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["expires_minutes"] = settings.PASSWORD_RESET_TIMEOUT // 60
        return context


class PasswordResetConfirm(PasswordResetConfirmView):
    """The link from the email: signed, expires after PASSWORD_RESET_TIMEOUT, and stops working
    once used (the token is derived from the password hash it replaces). Does not sign in:
    the person signs in afterwards, second factor included."""

    form_class = SetNewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False


class PasswordResetComplete(PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session (POST only, so a link or image cannot sign someone out)."""
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_GET
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone with an account, and invitations not yet accepted."""
    require_admin(request.user)
    return render(
        request,
        "accounts/user_list.html",
        {
            "users": selectors.users_for_management(),
            "invitations": selectors.open_invitations(),
        },
    )


@login_required
@require_GET
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One account: role, sites, status and its change history."""
    require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person,
            "memberships": person.memberships.select_related("site").order_by("site__name"),
            "history": person.history.select_related("history_user").order_by("-history_date")[:20],
            "factors": mfa.factors_for(person),
            "recovery_left": mfa.recovery_codes_left(person),
            "mfa_required": mfa.is_required_for(person),
        },
    )


@login_required
@require_POST
def user_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remove someone's access at once; their name stays on everything they did."""
    require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    try:
        services.user_deactivate(user=person, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{person} is deactivated and can no longer sign in.")
    return redirect("accounts:user_detail", person.pk)


@login_required
@require_POST
def user_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Give a deactivated person their access back."""
    require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    services.user_reactivate(user=person, acting_user=request.user)
    messages.success(request, f"{person} can sign in again.")
    return redirect("accounts:user_detail", person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Invite a person by email with a role; ``?site=SLUG`` preselects a site."""
    require_admin(request.user)
    initial = {}
    if request.GET.get("site"):
        from sites.models import Site

        site = Site.objects.filter(slug=request.GET["site"]).first()
        if site is not None:
            initial = {"sites": [site.pk], "role": "liaison"}
    form = InviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.membership_invite(
                acting_user=request.user, base_url=_base_url(request), **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works once, for 7 days.",
            )
            return redirect("accounts:user_list")
    return render(request, "accounts/invite.html", {"form": form})


@login_required
@require_POST
def invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a fresh link (the previous one stops working)."""
    require_admin(request.user)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_resend(
            invitation=invitation, acting_user=request.user, base_url=_base_url(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation link was sent to {invitation.email}.")
    return redirect("accounts:user_list")


@login_required
@require_POST
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Withdraw an invitation so its link never works."""
    require_admin(request.user)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} is revoked.")
    return redirect("accounts:user_list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email: set a password, get signed in and land on your sites.

    A link that is unknown, used, expired or revoked gets a page that says which, and what to do.
    """
    invitation = services.invitation_for_token(token)
    status = invitation.status() if invitation else "unknown"
    if invitation is None or status != InvitationStatus.PENDING:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"status": status, "invitation": invitation},
            status=404 if invitation is None else 410,
        )
    form = AcceptInvitationForm(
        request.POST or None, invitation=invitation, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            logout(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.get_short_name()}. Your account is ready.")
            return redirect("home")  # the portfolio, their one site, or "My work"
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )
