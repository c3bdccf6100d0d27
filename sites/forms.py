"""Forms for site pages: validate and normalise only; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms

from psp.accounts.models import StaffRole, User
from sites.models import AgencyKind, Cohort, Phase, Site
from sites.selectors import PORTFOLIO_SORTS, PortfolioFilters
from sites.states import US_STATES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PortfolioFilterForm(forms.Form):
    """The filter bar above the portfolio table (GET)."""

    q = forms.CharField(label="Site name contains", required=False, max_length=100)
    cohort = forms.TypedChoiceField(label="Cohort", required=False, coerce=int, empty_value=None)
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Any phase"), *Phase.choices]
    )
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *US_STATES]
    )
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in PORTFOLIO_SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", "Any cohort")] + [
            (c.year, c.name) for c in Cohort.objects.all()
        ]

    def filters(self) -> PortfolioFilters:
        if not self.is_valid():
            return PortfolioFilters()
        data = self.cleaned_data
        return PortfolioFilters(
            cohort=data.get("cohort"),
            phase=data.get("phase") or "",
            state=data.get("state") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "name",
        )


class SiteProfileForm(forms.ModelForm):
    """A site's profile as liaisons and program managers keep it current."""

    class Meta:
        model = Site
        fields = [
            "summary",
            "population",
            "population_year",
            "population_source",
            "latitude",
            "longitude",
            "engagement_start",
            "engagement_end",
            "program_manager",
        ]
        widgets = {
            "engagement_start": DateInput(),
            "engagement_end": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, can_assign_manager: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if can_assign_manager:
            self.fields["program_manager"].queryset = User.objects.filter(
                is_active=True, role__in=[StaffRole.BJA_STAFF, StaffRole.ADMIN]
            )
        else:
            del self.fields["program_manager"]


class PhaseChangeForm(forms.Form):
    """Move a site to another phase; the reason goes into the phase history."""

    to_phase = forms.ChoiceField(label="New phase", choices=Phase.choices)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required. Kept in the site's phase history.",
    )


class AgencyForm(forms.Form):
    """A partner agency to add to a site."""

    name = forms.CharField(label="Agency name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=AgencyKind.choices)
