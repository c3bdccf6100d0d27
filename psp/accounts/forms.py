"""Sign-in, invitation and set-password forms (validate only; services do the writing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from psp.accounts.models import SITE_INVITE_ROLES, Invitation, InviteRole, User
from psp.core.forms import limit_choices

if TYPE_CHECKING:
    from sites.models import Site


class SignInForm(AuthenticationForm):
    """Email and password; the field keeps Django's name ``username`` so axes reads it."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        return username.strip().lower()


class InviteForm(forms.Form):
    """Invite one person: their email, name, and a role (staff-wide, or on chosen sites)."""

    email = forms.EmailField(label="Email address")
    full_name = forms.CharField(label="Full name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=InviteRole.choices, widget=forms.RadioSelect)
    sites: forms.ModelMultipleChoiceField[Site] = forms.ModelMultipleChoiceField(
        label="Sites",
        queryset=None,
        required=False,
        help_text="For a liaison or partner only (hold Ctrl or Cmd to choose several).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sites.models import Phase, Site

        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "sites",
            Site.objects.exclude(phase__in=[Phase.ALUMNI, Phase.WITHDRAWN]),
        )
        self.fields["sites"].widget.attrs["size"] = 8

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        return email.strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, sites = data.get("role"), data.get("sites")
        if role in SITE_INVITE_ROLES and not sites:
            self.add_error("sites", "Choose at least one site for a liaison or partner.")
        if role and role not in SITE_INVITE_ROLES and sites:
            self.add_error("sites", "Staff-wide roles see every site; leave the sites empty.")
        return data


class AcceptInvitationForm(forms.Form):
    """Set a password (checked by Django's password validators) to accept an invitation."""

    full_name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            candidate = User(email=self.invitation.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PasswordResetRequestForm(PasswordResetForm):
    """The email address to send a reset link to (normalised like the sign-in form)."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        return email.strip().lower()


class SetNewPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """A new password, checked by the same validators as everywhere else."""

    error_messages = {"password_mismatch": "The two passwords do not match."}
