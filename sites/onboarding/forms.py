"""Forms of onboarding: validate and normalise only; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from engagements.models import CoreArea
from psp.accounts.models import StaffRole, User
from psp.core.forms import limit_choices
from sites.forms import DateInput
from sites.models import AgencyKind, SiteKind
from sites.selectors import people_with_roles, person_label, read_only_reason
from sites.states import US_STATES
from sites.timezones import US_TIME_ZONES


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
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        choices=[("", "The state's zone"), *((z, z) for z in US_TIME_ZONES)],
        help_text="Incident times are read in this zone. Leave it to the state's unless the "
        "site lies in the state's other zone (e.g. El Paso, Texas: America/Denver).",
    )
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
        help_text="People who already have an account, with the roles they hold now (hold "
        "Ctrl or Cmd to choose several). Invite new people after onboarding.",
    )
    confirm_role_change = forms.BooleanField(
        label="Yes, give the read-only people chosen above write access as liaisons",
        required=False,
        help_text="Needed only when a chosen liaison is an auditor or a site partner; "
        "the confirmation is kept in the membership history.",
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
        limit_choices(
            self.fields,
            "program_manager",
            people_with_roles(
                User.objects.filter(is_active=True, role__in=[StaffRole.BJA_STAFF, StaffRole.ADMIN])
            ),
            label=person_label,
        )
        limit_choices(
            self.fields,
            "liaisons",
            people_with_roles(
                User.objects.filter(is_active=True, role__in=["", StaffRole.AUDITOR])
            ),
            label=person_label,
        )
        self.fields["liaisons"].widget.attrs["size"] = 6

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("engagement_start"), data.get("engagement_end")
        if start and end and end <= start:
            self.add_error("engagement_end", "The engagement must end after it starts.")
        readers = [r for r in map(read_only_reason, data.get("liaisons") or []) if r]
        if readers and not data.get("confirm_role_change"):
            self.add_error(
                "liaisons",
                f"{'; '.join(readers)}. As liaisons they could edit the site and log work: "
                "tick the confirmation below to go ahead, or choose someone else.",
            )
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
        "population_source, time_zone, confirm_role_change — “yes” to make a read-only partner "
        "or auditor a liaison). Separate several liaisons or core areas with “;”.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> bytes:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        # forms.FileField has refused a file without a name or size.
        assert upload.name is not None and upload.size is not None
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                f"“{upload.name}” is not a CSV file. Save the spreadsheet as “CSV UTF-8”."
            )
        if upload.size > 1_000_000:
            raise forms.ValidationError("The file is larger than 1 MB.")
        data: bytes = upload.read()  # File.read is untyped in the stubs
        return data


class MilestoneDatesForm(forms.Form):
    """Due and completion dates of one milestone on the schedule page."""

    due_on = forms.DateField(label="Due", required=False, widget=DateInput())
    completed_on = forms.DateField(label="Completed", required=False, widget=DateInput())
