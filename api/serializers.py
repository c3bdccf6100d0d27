"""What the API returns for each resource, and what its writes accept.

Read serializers only read: every write goes through the apps' services (``docs/style.md §2``),
called by the views with the validated input of a ``*Input`` serializer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from api.models import ApiToken
from engagements.models import (
    ActionItem,
    ActionItemStatus,
    Activity,
    ActivityKind,
    ActivityMode,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
)
from metrics.models import (
    DataQualityFlag,
    Incident,
    MetricResult,
    MonthlyCount,
    Upload,
    UploadKind,
)
from sites.models import Cohort, Site


def _slug(source: str | None = None) -> serializers.SlugRelatedField[Any]:
    """A related site as its slug (``source`` only when it differs from the field's name)."""
    if source:
        return serializers.SlugRelatedField(slug_field="slug", read_only=True, source=source)
    return serializers.SlugRelatedField(slug_field="slug", read_only=True)


def _code(many: bool = False) -> Any:
    """A related core area or offense (or several) as its code."""
    if many:
        return serializers.SlugRelatedField(slug_field="code", read_only=True, many=True)
    return serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)


def _name(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True)


class CohortSerializer(serializers.ModelSerializer[Cohort]):
    class Meta:
        model = Cohort
        fields = ["year", "name", "announced_on"]


class SiteSerializer(serializers.ModelSerializer[Site]):
    cohort = serializers.IntegerField(source="cohort.year", read_only=True)
    program_manager_name = _name("program_manager.full_name")

    class Meta:
        model = Site
        fields = [
            "slug",
            "name",
            "kind",
            "state",
            "population",
            "population_year",
            "population_source",
            "latitude",
            "longitude",
            "cohort",
            "phase",
            "engagement_start",
            "engagement_end",
            "program_manager",
            "program_manager_name",
            "summary",
        ]


class EngagementSerializer(serializers.ModelSerializer[Engagement]):
    site = _slug()
    core_area = _code()
    lead_name = _name("lead.full_name")

    class Meta:
        model = Engagement
        fields = [
            "id",
            "site",
            "core_area",
            "status",
            "priority",
            "lead",
            "lead_name",
            "goal",
            "started_on",
            "ended_on",
        ]


class RecommendationSerializer(serializers.ModelSerializer[Recommendation]):
    site = _slug("engagement.site")

    class Meta:
        model = Recommendation
        fields = ["id", "site", "engagement", "number", "text", "source", "status"]


class ActionItemSerializer(serializers.ModelSerializer[ActionItem]):
    site = _slug("engagement.site")

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "site",
            "engagement",
            "recommendation",
            "title",
            "owner",
            "due_on",
            "status",
            "completed_on",
        ]
        read_only_fields = fields


class ActionItemStatusInput(serializers.Serializer[Any]):
    """A new status; ``completed_on`` (not in the future) only with ``complete``, today if left
    out."""

    status = serializers.ChoiceField(choices=ActionItemStatus.choices)
    completed_on = serializers.DateField(required=False, allow_null=True)


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    site = _slug()

    class Meta:
        model = Milestone
        fields = ["id", "site", "kind", "title", "due_on", "completed_on"]


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    site = _slug()
    core_areas = serializers.SerializerMethodField(help_text="Core area codes.")
    agencies = serializers.SerializerMethodField(help_text="Agency ids.")
    milestones = serializers.SerializerMethodField(help_text="Milestone ids.")
    logged_by_name = _name("logged_by.full_name")

    class Meta:
        model = Activity
        fields = [
            "id",
            "site",
            "kind",
            "date",
            "end_date",
            "duration_hours",
            "mode",
            "core_areas",
            "engagement",
            "agencies",
            "milestones",
            "audience",
            "participants_count",
            "summary",
            "next_steps",
            "logged_by",
            "logged_by_name",
            "logged_at",
        ]
        read_only_fields = fields

    # Rows come with their links read from the link tables (``api.selectors``).
    def get_core_areas(self, activity: Activity) -> list[str]:
        return list(activity.api_areas)  # type: ignore[attr-defined]

    def get_agencies(self, activity: Activity) -> list[int]:
        return list(activity.api_agencies)  # type: ignore[attr-defined]

    def get_milestones(self, activity: Activity) -> list[int]:
        return list(activity.api_milestones)  # type: ignore[attr-defined]


class ActivityInput(serializers.Serializer[Any]):
    """An activity to log (``engagements.services.activity_log`` checks the rest: related rows
    of the same site, plausible dates and hours)."""

    site = serializers.SlugField(help_text="The site's slug.")
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    date = serializers.DateField(required=False, help_text="Today if left out.")
    end_date = serializers.DateField(required=False, allow_null=True)
    duration_hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal(999)
    )
    mode = serializers.ChoiceField(choices=ActivityMode.choices)
    core_areas = serializers.ListField(
        child=serializers.SlugField(), min_length=1, help_text="Core area codes."
    )
    engagement = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    agencies = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    milestones = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    audience = serializers.CharField(required=False, allow_blank=True, max_length=200)
    participants_count = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100_000
    )
    summary = serializers.CharField(max_length=10_000)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class TARequestSerializer(serializers.ModelSerializer[TARequest]):
    site = _slug()
    core_area = _code()
    requested_by_name = _name("requested_by.full_name")

    class Meta:
        model = TARequest
        fields = [
            "id",
            "site",
            "core_area",
            "need",
            "status",
            "requested_by",
            "requested_by_name",
            "submitted_at",
            "decided_at",
            "decision_note",
            "scheduled_for",
            "delivered_by",
        ]
        read_only_fields = fields


class TARequestInput(serializers.Serializer[Any]):
    site = serializers.SlugField(help_text="The site's slug.")
    core_area = serializers.SlugField(help_text="A core area code.")
    need = serializers.CharField(max_length=10_000)


class PeerExchangeSerializer(serializers.ModelSerializer[PeerExchange]):
    host_site = _slug()
    visiting_site = _slug()
    core_areas = _code(many=True)

    class Meta:
        model = PeerExchange
        fields = [
            "id",
            "host_site",
            "visiting_site",
            "topic",
            "date",
            "core_areas",
            "follow_up_due",
            "practice_adopted",
            "follow_up_note",
        ]


class MonthlyCountSerializer(serializers.ModelSerializer[MonthlyCount]):
    site = _slug()
    offense = _code()

    class Meta:
        model = MonthlyCount
        fields = ["id", "site", "month", "offense", "count", "first_count", "status", "upload"]


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    site = _slug()
    offense = _code()
    upload = serializers.IntegerField(source="upload_id", read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "site",
            "source",
            "external_id",
            "occurred_on",
            "occurred_at",
            "offense",
            "description",
            "latitude",
            "longitude",
            "killed",
            "injured",
            "upload",
        ]


class DataQualityFlagSerializer(serializers.ModelSerializer[DataQualityFlag]):
    site = _slug()
    offense = _code()

    class Meta:
        model = DataQualityFlag
        fields = [
            "id",
            "site",
            "rule",
            "scope",
            "key",
            "month",
            "offense",
            "effect",
            "detail",
            "status",
            "note",
            "upload",
            "created_at",
            "resolved_at",
        ]


class UploadProblemSerializer(serializers.Serializer[Any]):
    """One problem of a file, numbered as a spreadsheet shows it (header = row 1)."""

    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_null=True, allow_blank=True)
    value = serializers.CharField(allow_null=True, allow_blank=True)
    message = serializers.CharField()


class UploadSerializer(serializers.ModelSerializer[Upload]):
    """An upload and its status; ``problems`` and ``preview`` are the web preview's content."""

    site = _slug()
    problems = UploadProblemSerializer(source="errors", many=True, read_only=True)
    preview = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = [
            "id",
            "site",
            "kind",
            "original_name",
            "size",
            "sha256",
            "status",
            "progress",
            "rows_total",
            "rows_imported",
            "rows_added",
            "rows_revised",
            "rows_unchanged",
            "rows_rejected",
            "problems",
            "preview",
            "failure",
            "preset",
            "source",
            "coverage_start",
            "coverage_end",
            "is_demo",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_preview(self, upload: Upload) -> dict[str, Any]:
        """How the file was read, which columns went where, what it holds, how many problems."""
        summary = upload.read_summary()
        return {
            "description": summary.description,
            "layout": summary.layout,
            "columns": dict(summary.columns),
            "months": list(summary.stats.months),
            "offenses": list(summary.stats.offenses),
            "notes": list(summary.notes),
            "problem_count": max(summary.problem_count, len(upload.errors or [])),
        }


class UploadInput(serializers.Serializer[Any]):
    site = serializers.SlugField(help_text="The site's slug.")
    kind = serializers.ChoiceField(choices=UploadKind.choices)
    file = serializers.FileField(help_text="A CSV or XLSX file.")
    preset = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    coverage_start = serializers.DateField(required=False, allow_null=True, default=None)
    coverage_end = serializers.DateField(required=False, allow_null=True, default=None)


class MetricResultSerializer(serializers.ModelSerializer[MetricResult]):
    """One stored result, with the fields of ``export_metrics``' results
    (``metrics/engine/export.py``) and the site, data-through month and computation time."""

    site = _slug()
    offense = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    data_through = serializers.SerializerMethodField(help_text="The last month of data, YYYY-MM.")

    class Meta:
        model = MetricResult
        fields = [
            "site",
            "metric",
            "offense",
            "params",
            "status",
            "reason",
            "flags",
            "evidence_tier",
            "value",
            "data_through",
            "computed_at",
        ]

    def get_offense(self, result: MetricResult) -> str | None:
        return result.offense or None

    def get_reason(self, result: MetricResult) -> str | None:
        return result.reason or None

    def get_data_through(self, result: MetricResult) -> str | None:
        return None if result.data_through is None else f"{result.data_through:%Y-%m}"


class MetricExportResultSerializer(serializers.Serializer[Any]):
    metric = serializers.CharField()
    offense = serializers.CharField(allow_null=True)
    params = serializers.JSONField()
    status = serializers.CharField()
    reason = serializers.CharField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    evidence_tier = serializers.IntegerField(allow_null=True)
    value = serializers.JSONField()


class MetricExportSerializer(serializers.Serializer[Any]):
    """The JSON document of ``manage.py export_metrics --site SLUG`` (docs/metrics.md §9)."""

    site = serializers.CharField()
    data_through = serializers.CharField(allow_null=True)
    computed_at = serializers.CharField(allow_null=True)
    results = MetricExportResultSerializer(many=True)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "created_at", "expires_at", "last_used_at"]
