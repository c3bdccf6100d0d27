"""Filters of the API lists (django-filter), with the web lists' parameter names where a web list
exists: ``site`` is a site's slug, ``core_area`` a core area's id, ``person`` who logged an
activity, ``date_from``/``date_to`` inclusive (``engagements/forms.py``, ``dashboards/forms.py``).

A site the caller may not see filters to nothing, as a site that does not exist does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from engagements.models import (
    ActionItem,
    Activity,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
)
from metrics.models import DataQualityFlag, Incident, MetricResult, MonthlyCount, Upload
from sites.models import Site


class SiteFilter(filters.FilterSet):
    cohort = filters.NumberFilter(field_name="cohort__year", label="Cohort year")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Site
        fields = ["phase", "state", "kind", "program_manager"]


def _site(field: str = "site__slug") -> filters.CharFilter:
    return filters.CharFilter(field_name=field, label="Site (slug)")


class ActivityFilter(filters.FilterSet):
    site = _site()
    person = filters.NumberFilter(field_name="logged_by", label="Logged by (user id)")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    core_area = filters.NumberFilter(method="filter_related", label="Core area (id)")
    agency = filters.NumberFilter(method="filter_related", label="Agency (id)")

    class Meta:
        model = Activity
        fields = ["kind", "mode", "engagement"]

    def filter_related(
        self, queryset: QuerySet[Activity], name: str, value: int
    ) -> QuerySet[Activity]:
        # A semi-join keeps each activity once without DISTINCT (engagements/selectors.py).
        field = {"core_area": "core_areas", "agency": "agencies"}[name]
        inner = Activity.objects.filter(**{field: value}).values("pk")
        return queryset.filter(pk__in=inner)


class EngagementFilter(filters.FilterSet):
    site = _site()
    core_area = filters.CharFilter(field_name="core_area__code", label="Core area (code)")

    class Meta:
        model = Engagement
        fields = ["status", "priority"]


class RecommendationFilter(filters.FilterSet):
    site = _site("engagement__site__slug")

    class Meta:
        model = Recommendation
        fields = ["engagement", "status"]


class _OverdueMixin:
    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        overdue = queryset.overdue(timezone.localdate())  # type: ignore[attr-defined]
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class ActionItemFilter(_OverdueMixin, filters.FilterSet):
    site = _site("engagement__site__slug")
    overdue = filters.BooleanFilter(method="filter_overdue", label="Overdue")

    class Meta:
        model = ActionItem
        fields = ["engagement", "recommendation", "status"]


class MilestoneFilter(_OverdueMixin, filters.FilterSet):
    site = _site()
    overdue = filters.BooleanFilter(method="filter_overdue", label="Overdue")

    class Meta:
        model = Milestone
        fields = ["kind"]


class TARequestFilter(filters.FilterSet):
    site = _site()
    core_area = filters.CharFilter(field_name="core_area__code", label="Core area (code)")

    class Meta:
        model = TARequest
        fields = ["status"]


class PeerExchangeFilter(filters.FilterSet):
    site = filters.CharFilter(method="filter_site", label="Host or visiting site (slug)")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = PeerExchange
        fields = ["practice_adopted"]

    def filter_site(
        self, queryset: QuerySet[PeerExchange], name: str, value: str
    ) -> QuerySet[PeerExchange]:
        return queryset.filter(Q(host_site__slug=value) | Q(visiting_site__slug=value))


class MonthlyCountFilter(filters.FilterSet):
    site = _site()
    offense = filters.CharFilter(field_name="offense__code", label="Offense (code)")
    month_from = filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = MonthlyCount
        fields = ["status", "upload"]


class IncidentFilter(filters.FilterSet):
    site = _site()
    offense = filters.CharFilter(field_name="offense__code", label="Offense (code)")
    date_from = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = Incident
        fields = ["source"]


class DataQualityFlagFilter(filters.FilterSet):
    site = _site()
    offense = filters.CharFilter(field_name="offense__code", label="Offense (code)")

    class Meta:
        model = DataQualityFlag
        fields = ["rule", "status"]


class UploadFilter(filters.FilterSet):
    site = _site()

    class Meta:
        model = Upload
        fields = ["kind", "status"]


class MetricResultFilter(filters.FilterSet):
    site = _site()

    class Meta:
        model = MetricResult
        fields = ["metric", "offense", "status"]
