"""Forms of the engagements app: validate and normalise only; services write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from engagements.models import (
    ActionItem,
    ActionItemStatus,
    Activity,
    ActivityKind,
    ActivityMode,
    AttachmentKind,
    CoreArea,
    Engagement,
    EngagementPriority,
    EngagementStatus,
    Milestone,
    MilestoneKind,
    PracticeAdopted,
    Recommendation,
    TARequestStatus,
)
from engagements.selectors import ACTIVITY_SORTS, ActivityFilters
from psp.accounts.models import User
from psp.core.forms import limit_choices
from sites.forms import DateInput
from sites.models import Agency, Site
from sites.selectors import people_with_roles, person_label


class ActivityForm(forms.Form):
    """The one short form a liaison fills in to log (or correct) an activity."""

    kind = forms.ChoiceField(label="Kind of activity", choices=ActivityKind.choices)
    date = forms.DateField(label="Date", widget=DateInput())
    duration_hours = forms.DecimalField(
        label="Duration (hours)",
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0.25"}),
    )
    mode = forms.ChoiceField(label="Mode", choices=ActivityMode.choices, widget=forms.RadioSelect)
    core_areas = forms.ModelMultipleChoiceField(
        label="Core areas",
        queryset=CoreArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one core area."},
    )
    engagement = forms.ModelChoiceField(
        label="Engagement it serves",
        queryset=Engagement.objects.none(),
        required=False,
        empty_label="None",
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies involved",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants_count = forms.IntegerField(
        label="Participants", required=False, min_value=0, max_value=100_000
    )
    audience = forms.CharField(
        label="Audience", required=False, max_length=200, help_text="e.g. WPD command staff"
    )
    summary = forms.CharField(
        label="Summary", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    next_steps = forms.CharField(
        label="Next steps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    end_date = forms.DateField(
        label="Last day (multi-day activities only)", required=False, widget=DateInput()
    )
    milestones = forms.ModelMultipleChoiceField(
        label="Milestones this activity advanced",
        queryset=Milestone.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        limit_choices(
            self.fields,
            "engagement",
            Engagement.objects.filter(site=site).select_related("core_area"),
            label=lambda e: e.core_area.name,
        )
        limit_choices(self.fields, "agencies", Agency.objects.filter(site=site))
        milestones = Milestone.objects.filter(site=site)
        limit_choices(self.fields, "milestones", milestones, label=lambda m: m.title)
        if not milestones.exists():
            del self.fields["milestones"]

    @staticmethod
    def initial_from(activity: Activity) -> dict[str, Any]:
        return {
            "kind": activity.kind,
            "date": activity.date,
            "end_date": activity.end_date,
            "duration_hours": activity.duration_hours,
            "mode": activity.mode,
            "core_areas": list(activity.core_areas.all()),
            "engagement": activity.engagement,
            "agencies": list(activity.agencies.all()),
            "milestones": list(activity.milestones.all()),
            "participants_count": activity.participants_count,
            "audience": activity.audience,
            "summary": activity.summary,
            "next_steps": activity.next_steps,
        }


class ActivityFilterForm(forms.Form):
    """The filter bar of the activity list; the exports take the same parameters."""

    site = forms.ModelChoiceField(
        label="Site",
        queryset=Site.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="Any site",
    )
    core_area = forms.ModelChoiceField(
        label="Core area",
        queryset=CoreArea.objects.all(),
        required=False,
        empty_label="Any core area",
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *ActivityKind.choices]
    )
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.none(), required=False, empty_label="Any agency"
    )
    person = forms.ModelChoiceField(
        label="Logged by", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())
    engagement = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in ACTIVITY_SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = Site.objects.for_user(user)
        limit_choices(self.fields, "site", visible.order_by("name"))
        limit_choices(
            self.fields,
            "agency",
            Agency.objects.for_user(user).select_related("site").order_by("site__name", "name"),
            label=lambda a: f"{a.name} ({a.site.name})",
        )
        # A semi-join (EXISTS) rather than JOIN + DISTINCT: with 100,000 activities the DISTINCT
        # hashed every activity row (bench: 118 ms); EXISTS probes each person's activities.
        limit_choices(
            self.fields,
            "person",
            people_with_roles(
                User.objects.filter(
                    Exists(Activity.objects.for_user(user).filter(logged_by=OuterRef("pk")))
                ).order_by("full_name")
            ),
            label=person_label,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "“To” must be on or after “From”.")
        return data

    def filters(self) -> ActivityFilters:
        """The validated filters (call after ``is_valid``)."""
        data = self.cleaned_data
        return ActivityFilters(
            site=data.get("site"),
            core_area=data["core_area"].pk if data.get("core_area") else None,
            kind=data.get("kind") or "",
            agency=data["agency"].pk if data.get("agency") else None,
            person=data["person"].pk if data.get("person") else None,
            engagement=data.get("engagement"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort") or "-date",
        )


class ActionItemStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=ActionItemStatus.choices)


class ActionItemForm(forms.Form):
    title = forms.CharField(label="Action item", max_length=300)
    owner = forms.CharField(label="Owner", max_length=150, required=False)
    due_on = forms.DateField(label="Due", required=False, widget=DateInput())
    recommendation = forms.ModelChoiceField(
        label="Answers recommendation", queryset=Recommendation.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label="Status", choices=ActionItemStatus.choices, initial=ActionItemStatus.NOT_STARTED
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "recommendation",
            engagement.recommendations.order_by("number"),
            label=lambda r: f"{r.number}. {r.text[:80]}",
        )


class RecommendationForm(forms.Form):
    text = forms.CharField(label="Recommendation", widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(
        label="Source", max_length=120, required=False, help_text="e.g. 2025 assessment"
    )


class EngagementForm(forms.Form):
    goal = forms.CharField(label="Goal", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    status = forms.ChoiceField(label="Status", choices=EngagementStatus.choices)
    priority = forms.ChoiceField(label="Priority", choices=EngagementPriority.choices)
    lead = forms.ModelChoiceField(label="Lead", queryset=User.objects.none(), required=False)
    started_on = forms.DateField(label="Started", required=False, widget=DateInput())
    ended_on = forms.DateField(label="Ended", required=False, widget=DateInput())

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "lead",
            people_with_roles(
                User.objects.filter(
                    Q(memberships__site=site, memberships__role="liaison")
                    | Q(role__in=["bja_staff", "admin"]),
                    is_active=True,
                )
                .distinct()
                .order_by("full_name")
            ),
            label=person_label,
        )


class EngagementCreateForm(EngagementForm):
    core_area = forms.ModelChoiceField(label="Core area", queryset=CoreArea.objects.none())

    field_order = ["core_area"]

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, site=site, **kwargs)
        limit_choices(self.fields, "core_area", CoreArea.objects.exclude(engagements__site=site))


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=MilestoneKind.choices)
    title = forms.CharField(label="Title", max_length=200)
    due_on = forms.DateField(label="Due", required=False, widget=DateInput())
    completed_on = forms.DateField(label="Reached on", required=False, widget=DateInput())


class TARequestForm(forms.Form):
    core_area = forms.ModelChoiceField(label="Core area", queryset=CoreArea.objects.all())
    need = forms.CharField(
        label="What help do you need?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Say what, for whom, and by when.",
    )
    engagement = forms.ModelChoiceField(
        label="Engagement it serves", queryset=Engagement.objects.none(), required=False
    )
    recommendation = forms.ModelChoiceField(
        label="Recommendation it serves", queryset=Recommendation.objects.none(), required=False
    )
    action_item = forms.ModelChoiceField(
        label="Action item it serves",
        queryset=ActionItem.objects.none(),
        required=False,
        help_text="Choosing an action item links its recommendation and engagement too.",
    )
    milestone = forms.ModelChoiceField(
        label="Milestone it serves", queryset=Milestone.objects.none(), required=False
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "engagement",
            Engagement.objects.filter(site=site).select_related("core_area", "site"),
            label=lambda e: e.core_area.name,
        )
        limit_choices(
            self.fields,
            "recommendation",
            Recommendation.objects.filter(engagement__site=site).select_related(
                "engagement__core_area"
            ),
            label=lambda r: f"{r.engagement.core_area.name} {r.number}. {r.text[:70]}",
        )
        limit_choices(
            self.fields,
            "action_item",
            ActionItem.objects.filter(engagement__site=site)
            .select_related("engagement__core_area")
            .order_by("engagement__core_area__order", "due_on", "id"),
            label=lambda a: f"{a.engagement.core_area.name}: {a.title[:80]}",
        )
        limit_choices(self.fields, "milestone", Milestone.objects.filter(site=site))


class TATransitionForm(forms.Form):
    to_status = forms.ChoiceField(label="New status", choices=TARequestStatus.choices)
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    scheduled_for = forms.DateField(label="Scheduled for", required=False, widget=DateInput())
    activity = forms.ModelChoiceField(
        label="Activity that delivered it", queryset=Activity.objects.none(), required=False
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The last year of the site's activities is plenty to find the one that delivered it.
        since = timezone.localdate() - dt.timedelta(days=366)
        limit_choices(
            self.fields,
            "activity",
            Activity.objects.filter(site=site, date__gte=since).order_by("-date", "-id"),
            label=lambda a: f"{a} — {a.summary[:60]}",
        )


class PeerExchangeForm(forms.Form):
    role = forms.ChoiceField(
        label="This site’s part",
        choices=[("visiting", "Visiting (learning)"), ("host", "Hosting (sharing)")],
        widget=forms.RadioSelect,
    )
    other_site = forms.ModelChoiceField(label="Other site", queryset=Site.objects.none())
    topic = forms.CharField(label="Topic", max_length=200)
    date = forms.DateField(label="Date", widget=DateInput(), initial=timezone.localdate)
    core_areas = forms.ModelMultipleChoiceField(
        label="Core areas", queryset=CoreArea.objects.all(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, site: Site, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every site of the program: a liaison's own sites are rarely the ones they visit
        # (issue 16). Only names and states are shown; the other site's pages stay scoped.
        limit_choices(
            self.fields,
            "other_site",
            Site.objects.exclude(pk=site.pk).order_by("name", "state"),
            label=lambda s: f"{s.name}, {s.state}",
        )


class FollowUpForm(forms.Form):
    practice_adopted = forms.ChoiceField(
        label="Was the practice adopted?", choices=PracticeAdopted.choices, widget=forms.RadioSelect
    )
    follow_up_note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ReassignForm(forms.Form):
    """Who takes over a departing liaison's sites."""

    to_user = forms.ModelChoiceField(label="Hand every site over to", queryset=User.objects.none())
    confirm_role_change = forms.BooleanField(
        label="Yes, give this read-only person write access as liaison of these sites",
        required=False,
    )

    def __init__(self, *args: Any, from_user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "to_user",
            people_with_roles(
                User.objects.filter(is_active=True).exclude(pk=from_user.pk).order_by("full_name")
            ),
            label=person_label,
        )


class AttachmentForm(forms.Form):
    """Attach a document to the site or to one of its engagements, milestones or activities.
    The service checks the content; the form only collects the choices."""

    file = forms.FileField(
        label="Document",
        help_text="PDF, DOCX, XLSX, PNG or JPEG; at most 25 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"}),
    )
    kind = forms.ChoiceField(label="Type", choices=AttachmentKind.choices)
    title = forms.CharField(
        label="Title", max_length=200, required=False, help_text="Defaults to the file name."
    )
    engagement = forms.ModelChoiceField(
        label="Engagement", queryset=Engagement.objects.none(), required=False
    )
    milestone = forms.ModelChoiceField(
        label="Milestone", queryset=Milestone.objects.none(), required=False
    )
    activity = forms.ModelChoiceField(
        label="Activity", queryset=Activity.objects.none(), required=False
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields,
            "engagement",
            Engagement.objects.filter(site=site).select_related("core_area", "site"),
            label=lambda e: e.core_area.name,
        )
        limit_choices(self.fields, "milestone", Milestone.objects.filter(site=site))
        since = timezone.localdate() - dt.timedelta(days=366)
        limit_choices(
            self.fields,
            "activity",
            Activity.objects.filter(site=site, date__gte=since).order_by("-date", "-id"),
            label=lambda a: f"{a} — {a.summary[:60]}",
        )
