"""Filter forms of the dashboards (GET; they validate and normalise only)."""

from __future__ import annotations

from typing import Any

from django import forms

from dashboards.selectors.portfolio import FLAGS, SORTS, PortfolioFilters
from psp.core.forms import choice_field
from sites.models import Phase
from sites.states import US_STATES

SORT_CHOICES = [(k, k) for k in SORTS] + [(f"-{k}", f"-{k}") for k in SORTS]


class PortfolioFilterForm(forms.Form):
    """The filter bar above the portfolio table. Cohort and program-manager choices come from
    the sites the user can see (passed in, so building the form costs no query)."""

    q = forms.CharField(label="Site name contains", required=False, max_length=100)
    cohort = forms.TypedChoiceField(label="Cohort", required=False, coerce=int, empty_value=None)
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Any phase"), *Phase.choices]
    )
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *US_STATES]
    )
    program_manager = forms.TypedChoiceField(
        label="Program manager", required=False, coerce=int, empty_value=None
    )
    flag = forms.ChoiceField(
        label="Flag", required=False, choices=[("", "Any or none"), *FLAGS.items()]
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        cohorts: list[tuple[int, str]] = (),  # type: ignore[assignment]
        managers: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "cohort").choices = [("", "Any cohort"), *cohorts]
        choice_field(self.fields, "program_manager").choices = [("", "Anyone"), *managers]
        for name, f in self.fields.items():
            if name != "sort":
                css = "usa-select" if isinstance(f.widget, forms.Select) else "usa-input"
                f.widget.attrs.setdefault("class", css)

    def refused_values(self) -> list[str]:
        """One sentence per refused filter value, naming the filter ("Cohort: Select a valid
        choice. 1999 is not one of the available choices."); empty when all are valid."""
        if not self.is_bound or self.is_valid():
            return []
        return [
            f"{self.fields[name].label or name.title()}: {' '.join(str(m) for m in messages)}"
            for name, messages in self.errors.items()
            if name in self.fields
        ]

    def filters(self) -> PortfolioFilters:
        """The filters; when any value is refused (see :meth:`refused_values`) they match nothing,
        never a silently wider list."""
        if not self.is_bound:
            return PortfolioFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return PortfolioFilters(
            refused=bool(self.errors),
            cohort=data.get("cohort"),
            phase=data.get("phase") or "",
            state=data.get("state") or "",
            program_manager=data.get("program_manager"),
            flag=data.get("flag") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "name",
        )
