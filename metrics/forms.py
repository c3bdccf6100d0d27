"""Forms of the metrics app: they validate and normalise only."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from metrics.intake.incidents import PRESETS
from metrics.models import ComparisonRule, UploadKind
from metrics.models.preregistration import WINDOW_CHOICES
from metrics.offenses import VOCABULARY

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.CharField):
    """A ``YYYY-MM`` month (the browser's month input) → its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        m = _MONTH.match(text)
        try:
            if not m:
                raise ValueError
            return dt.date(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise forms.ValidationError("Enter a month as YYYY-MM, e.g. 2024-03.") from None


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=UploadKind.choices)
    file = forms.FileField(
        label="CSV or Excel (.xlsx) file",
        help_text="Up to 50 MB. The first row must hold the column names.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    preset = forms.ChoiceField(
        label="Incident file layout",
        required=False,
        choices=[("", "My agency's export (map the columns)"), *PRESETS.items()],
    )
    coverage_start = MonthField(
        label="Incidents: first month covered",
        required=False,
        help_text="Months inside the coverage with no incidents count as zero. Without a "
        "declared coverage the series are shown, but no pre/post comparison is made.",
    )
    coverage_end = MonthField(label="Incidents: last month covered", required=False)

    def __init__(self, *args: Any, max_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if max_bytes:
            mb = max_bytes / (1024 * 1024)
            self.fields[
                "file"
            ].help_text = f"Up to {mb:,.0f} MB. The first row must hold the column names."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("preset") and data.get("kind") != UploadKind.INCIDENTS:
            self.add_error("preset", "A preset applies to incident files only.")
        return data


class MappingForm(forms.Form):
    """One choice per column header of the file: which field it holds (or ignore it)."""

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        targets: list[tuple[str, str]],
        current: dict[str, str],
        sheets: list[str] | None = None,
        sheet: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        if sheets and len(sheets) > 1:
            self.fields["sheet"] = forms.ChoiceField(
                label="Sheet to import",
                choices=[("", "Choose a sheet"), *[(s, s) for s in sheets]],
                initial=sheet,
            )
        choices = [("", "— not recognised —"), *targets]
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=f"Column “{header}”",
                choices=choices,
                required=False,
                initial=current.get(header, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {
            h: self.cleaned_data[f"col_{i}"]
            for i, h in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{i}")
        }


class FlagForm(forms.Form):
    action = forms.ChoiceField(
        label="Decision",
        choices=[
            ("confirm", "Confirm: the data is right as reported"),
            ("resolve", "Resolve: fixed or explained"),
            ("exclude", "Exclude: the month is wrong; leave it out of every estimate"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ComparisonLinkForm(forms.Form):
    """A site's place in the national comparison pool, spelled as the pool spells it."""

    state = forms.CharField(
        max_length=40, help_text='As the pool spells it ("Maryland") or its code ("MD").'
    )
    place = forms.CharField(
        max_length=120, label="City or county", help_text='As the pool spells it ("Baltimore").'
    )


class ScheduleForm(forms.Form):
    """A site's reporting schedule (administrators)."""

    due_days = forms.IntegerField(
        label="Counts are due this many days after the month ends",
        min_value=0,
        max_value=365,
        initial=30,
    )
    offenses = forms.MultipleChoiceField(
        label="Offenses expected each month",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    incidents_expected = forms.BooleanField(label="Incident records expected", required=False)
    reporting_from = MonthField(
        label="First month expected (empty: the month the engagement started)", required=False
    )

    def __init__(self, *args: Any, offenses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offenses"].choices = offenses  # type: ignore[attr-defined]


REVIEW_ACTIONS = [
    ("approve", "Approve (the months are locked)"),
    ("return", "Return to the site with a comment"),
    ("unlock", "Unlock approved months (give the reason)"),
]


class ReviewForm(forms.Form):
    """Approve, return or unlock some of a site's months (program managers, administrators)."""

    action = forms.ChoiceField(label="Decision", choices=REVIEW_ACTIONS, widget=forms.RadioSelect)
    months = forms.MultipleChoiceField(label="Months", widget=forms.CheckboxSelectMultiple)
    comment = forms.CharField(
        label="Comment or reason (required to return or unlock)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, months: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = months  # type: ignore[attr-defined]

    def month_dates(self) -> list[dt.date]:
        return [dt.date.fromisoformat(m) for m in self.cleaned_data["months"]]


class BulkFlagForm(FlagForm):
    """One decision and one note for many flags."""

    flags = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, flag_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["flags"].choices = [(pk, str(pk)) for pk in flag_ids]  # type: ignore[attr-defined]


class PreregistrationForm(forms.Form):
    """A version of a site's pre-registration (administrators; docs/metrics.md §8.5)."""

    primary_outcome = forms.ChoiceField(
        label="Primary outcome", choices=[(t.code, t.name) for t in VOCABULARY]
    )
    window_months = forms.TypedChoiceField(
        label="Window before and after the start", choices=WINDOW_CHOICES, coerce=int, initial=24
    )
    gap_months = forms.IntegerField(
        label="Gap after the start before the post window (months)",
        min_value=0,
        max_value=12,
        initial=0,
    )
    comparison_rule = forms.ChoiceField(
        label="Comparison rule", choices=ComparisonRule.choices, widget=forms.RadioSelect
    )
    mde_pct = forms.FloatField(
        label="Smallest reduction detectable before the engagement (percent)",
        required=False,
        min_value=0.1,
        max_value=100,
        help_text="Leave empty to compute it from the pre-engagement counts (§3.5).",
    )
    reason = forms.CharField(
        label="Reason for the change (required once a version is recorded)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
