"""The form that creates a personal API token on the tokens page."""

from __future__ import annotations

from django import forms

from api.models import TokenScope

EXPIRY_CHOICES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (366, "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Where the token is used, e.g. “R analysis laptop” or “RMS nightly export”.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.TypedChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, coerce=int, initial=90
    )
