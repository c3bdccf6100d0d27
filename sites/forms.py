"""Forms for site pages: validate and normalise only; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms

from psp.accounts.models import StaffRole, User
from psp.core.forms import choice_field, limit_choices
from sites.models import PHASE_ORDER, AgencyKind, MembershipRole, Phase, Site
from sites.selectors import people_with_roles, person_label
from sites.timezones import US_TIME_ZONES, default_time_zone


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# Unparameterised: ModelForm[Site] needs django_stubs_ext.monkeypatch() at runtime.
class SiteProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    """A site's profile as liaisons and program managers keep it current."""

    class Meta:
        model = Site
        fields = [
            "summary",
            "population",
            "population_year",
            "population_source",
            "time_zone",
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
        site: Site = self.instance
        zones = set(US_TIME_ZONES) | ({site.time_zone} if site.time_zone else set())
        state_zone = default_time_zone(site.state) if site.state else ""
        self.fields["time_zone"] = forms.ChoiceField(
            label="Time zone",
            required=False,
            choices=[("", f"The state's zone ({state_zone})" if state_zone else "The state's zone")]
            + [(z, z) for z in sorted(zones)],
            help_text="Incident times in uploads are read in this zone. "
            "A timestamp with an offset is converted to it; one without is taken as local.",
        )
        if can_assign_manager:
            limit_choices(
                self.fields,
                "program_manager",
                people_with_roles(
                    User.objects.filter(
                        is_active=True, role__in=[StaffRole.BJA_STAFF, StaffRole.ADMIN]
                    )
                ),
                label=person_label,
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
            choice_field(self.fields, "to_phase").choices = [
                c for c in Phase.choices if c[0] != site.phase
            ]
            if site.phase in PHASE_ORDER and site.phase != Phase.ALUMNI:
                self.initial.setdefault(
                    "to_phase", PHASE_ORDER[PHASE_ORDER.index(Phase(site.phase)) + 1]
                )


class AgencyForm(forms.Form):
    """A partner agency to add to a site."""

    name = forms.CharField(label="Agency name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=AgencyKind.choices)


class PopulationRowForm(forms.Form):
    """One year of a site's population (a blank row is ignored; clearing a row removes it)."""

    year = forms.IntegerField(label="Year", required=False, min_value=1990, max_value=2100)
    population = forms.IntegerField(label="Population", required=False, min_value=1)
    source = forms.CharField(label="Source", required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, population = data.get("year"), data.get("population")
        if year is not None and population is None and "population" not in self.errors:
            self.add_error("population", f"Give the population of {year}, or clear the row.")
        if population is not None and year is None and "year" not in self.errors:
            self.add_error("year", "Give the year of this population.")
        if year is None and population is None and data.get("source"):
            self.add_error("year", "Give the year and population this source is for.")
        return data


class BasePopulationFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: dict[int, int] = {}
        for number, form in enumerate(self.forms, start=1):
            year = form.cleaned_data.get("year")
            if year is None:
                continue
            if year in seen:
                form.add_error("year", f"{year} is also on row {seen[year]}: give each year once.")
            seen.setdefault(year, number)


def population_rows(formset: forms.BaseFormSet) -> list[tuple[int, int, str]]:  # type: ignore[type-arg]
    """``(year, population, source)`` of every filled row of a valid :data:`PopulationFormSet`."""
    return [
        (f.cleaned_data["year"], f.cleaned_data["population"], f.cleaned_data.get("source", ""))
        for f in formset.forms
        if f.cleaned_data.get("year") is not None
    ]


PopulationFormSet = forms.formset_factory(
    PopulationRowForm, formset=BasePopulationFormSet, extra=3, max_num=60
)


class MembershipForm(forms.Form):
    """Give a person a role on a site (or change the role they hold there)."""

    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.none())
    role = forms.ChoiceField(label="Role on the site", choices=MembershipRole.choices)
    confirm_role_change = forms.BooleanField(
        label="Yes, give this read-only person write access as a liaison",
        required=False,
        help_text="Needed only when an auditor or a site partner becomes a liaison; "
        "the confirmation is kept in the membership history.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "site",
            Site.objects.exclude(phase__in=[Phase.ALUMNI, Phase.WITHDRAWN]).order_by("name"),
            label=lambda s: f"{s.name}, {s.state}",
        )
