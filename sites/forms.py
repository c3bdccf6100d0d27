"""Forms for site pages: validate and normalise only; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.models import CoreArea
from psp.accounts.models import StaffRole, User
from sites.models import PHASE_ORDER, AgencyKind, Cohort, Phase, Site, SiteKind
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

    to_phase = forms.ChoiceField(label="New phase", choices=Phase.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required. Kept in the site's phase history with your name and the date.",
    )

    def __init__(self, *args: Any, site: Site | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if site is not None:
            # Every phase but the current one; the next one in order is preselected.
            self.fields["to_phase"].choices = [c for c in Phase.choices if c[0] != site.phase]
            if site.phase in PHASE_ORDER and site.phase != Phase.ALUMNI:
                self.initial.setdefault(
                    "to_phase", PHASE_ORDER[PHASE_ORDER.index(Phase(site.phase)) + 1]
                )


class AgencyForm(forms.Form):
    """A partner agency to add to a site."""

    name = forms.CharField(label="Agency name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=AgencyKind.choices)


class OnboardSiteForm(forms.Form):
    """ "Onboard a site": the jurisdiction (filled from the gazetteer, overridable), the engagement,
    the people and the prioritised core areas. Partner agencies come in :data:`AgencyFormSet`."""

    name = forms.CharField(label="Jurisdiction name", max_length=120)
    state = forms.ChoiceField(label="State", choices=[("", "- Select -"), *US_STATES])
    kind = forms.ChoiceField(label="Kind", choices=SiteKind.choices, initial=SiteKind.CITY)
    population = forms.IntegerField(
        label="Population",
        required=False,
        min_value=1,
        help_text="From the gazetteer when it has one; leave blank if unknown.",
    )
    population_year = forms.IntegerField(
        label="Population year", required=False, min_value=1990, max_value=2100
    )
    population_source = forms.CharField(label="Population source", required=False, max_length=200)
    latitude = forms.DecimalField(
        label="Latitude", required=False, min_value=-90, max_value=90, decimal_places=5
    )
    longitude = forms.DecimalField(
        label="Longitude", required=False, min_value=-180, max_value=180, decimal_places=5
    )
    cohort_year = forms.IntegerField(
        label="Cohort year",
        min_value=2010,
        max_value=2100,
        help_text="The year the site was announced, e.g. 2024. A new year starts a new cohort.",
    )
    engagement_start = forms.DateField(label="Engagement start", widget=DateInput())
    engagement_end = forms.DateField(
        label="Engagement end",
        required=False,
        widget=DateInput(),
        help_text="Leave blank for three years after the start.",
    )
    program_manager = forms.ModelChoiceField(
        label="BJA program manager", queryset=User.objects.none(), empty_label="- Select -"
    )
    liaisons = forms.ModelMultipleChoiceField(
        label="Strategic site liaisons",
        queryset=User.objects.none(),
        required=False,
        help_text="People who already have an account (hold Ctrl or Cmd to choose several). "
        "Invite new people after onboarding.",
    )
    core_areas = forms.ModelMultipleChoiceField(
        label="Core areas the site has prioritised",
        queryset=CoreArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="An engagement is opened for each.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program_manager"].queryset = User.objects.filter(
            is_active=True, role__in=[StaffRole.BJA_STAFF, StaffRole.ADMIN]
        )
        self.fields["liaisons"].queryset = User.objects.filter(is_active=True, role="")
        self.fields["liaisons"].widget.attrs["size"] = 6

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("engagement_start"), data.get("engagement_end")
        if start and end and end <= start:
            self.add_error("engagement_end", "The engagement must end after it starts.")
        return data


class AgencyRowForm(forms.Form):
    """One partner agency row in the onboarding form (blank rows are ignored)."""

    name = forms.CharField(label="Agency name", max_length=200, required=False)
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "- Select -"), *AgencyKind.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and not data.get("kind"):
            self.add_error("kind", "Choose the kind of agency.")
        if data.get("kind") and not data.get("name"):
            self.add_error("name", "Give the agency's name.")
        return data


AgencyFormSet = forms.formset_factory(AgencyRowForm, extra=5, max_num=20)


class BulkOnboardForm(forms.Form):
    """The CSV upload for onboarding several sites at once."""

    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, state, kind, cohort, start_date, program_manager_email, "
        "liaison_email, core_areas (optional: end_date, population, population_year, "
        "population_source). Separate several liaisons or core areas with “;”.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                f"“{upload.name}” is not a CSV file. Save the spreadsheet as “CSV UTF-8”."
            )
        if upload.size > 1_000_000:
            raise forms.ValidationError("The file is larger than 1 MB.")
        return upload.read()


class MilestoneDatesForm(forms.Form):
    """Due and completion dates of one milestone on the schedule page."""

    due_on = forms.DateField(label="Due", required=False, widget=DateInput())
    completed_on = forms.DateField(label="Completed", required=False, widget=DateInput())
