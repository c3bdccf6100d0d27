"""Forms of notifications: the preferences page."""

from __future__ import annotations

from typing import Any

from django import forms

from notifications.models import Channel, Kind
from notifications.services.recipients import CHOICES
from sites.timezones import is_time_zone


class PreferencesForm(forms.Form):
    """One radio group per kind, and the digest's time zone."""

    time_zone = forms.CharField(
        max_length=64,
        label="Time zone of the weekly digest",
        help_text="IANA name, e.g. America/Chicago. The digest comes on Monday at 07:00 there.",
    )

    def __init__(self, *args: Any, current: dict[str, str], time_zone: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = time_zone
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=[(c, Channel(c).label) for c in CHOICES[kind.value]],
                initial=current[kind.value],
                widget=forms.RadioSelect,
            )

    def clean_time_zone(self) -> str:
        value = str(self.cleaned_data["time_zone"]).strip()
        if not is_time_zone(value):
            raise forms.ValidationError(f"“{value}” is not an IANA time zone (America/Chicago).")
        return value
