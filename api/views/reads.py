"""Read endpoints: one plural path per resource, each list starting from the model's
``for_user`` queryset (``docs/design.md §3``), so a person's token sees exactly what their web
pages show, and a record outside their scope is 404. Every list loads what its rows show in a
constant number of queries, whatever the page size."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api import filters, serializers
from api.pagination import IncidentCursorPagination
from engagements.models import Engagement, Milestone, PeerExchange, Recommendation
from metrics.engine.export import export_document
from metrics.models import DataQualityFlag, Incident, MetricResult, MonthlyCount
from psp.accounts.models import User
from sites.models import Cohort, Site
from sites.permissions import get_site_for_user


class ScopedReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """List and detail of what the asking person may see."""

    model: type[Model]

    def scoped(self, user: User) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no one asks
            return self.model._default_manager.none()
        user = self.request.user
        assert isinstance(user, User)  # the permission class refused anonymous requests
        return self.scoped(user)


class CohortViewSet(ScopedReadViewSet):
    """The program's intake years; outside staff see the cohorts of their own sites."""

    model: type[Model] = Cohort
    serializer_class = serializers.CohortSerializer
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"
    pagination_class = None

    def scoped(self, user: User) -> QuerySet[Cohort]:
        if user.sees_all_sites:
            return Cohort.objects.all()
        return Cohort.objects.filter(pk__in=Site.objects.for_user(user).values("cohort"))


class SiteViewSet(ScopedReadViewSet):
    model: type[Model] = Site
    serializer_class = serializers.SiteSerializer
    filterset_class = filters.SiteFilter
    lookup_field = "slug"

    def scoped(self, user: User) -> QuerySet[Site]:
        return (
            Site.objects.for_user(user)
            .select_related("cohort", "program_manager")
            .order_by("name", "id")
        )


class EngagementViewSet(ScopedReadViewSet):
    model: type[Model] = Engagement
    serializer_class = serializers.EngagementSerializer
    filterset_class = filters.EngagementFilter

    def scoped(self, user: User) -> QuerySet[Engagement]:
        return (
            Engagement.objects.for_user(user)
            .select_related("site", "core_area", "lead")
            .order_by("site__name", "core_area__order", "id")
        )


class RecommendationViewSet(ScopedReadViewSet):
    model: type[Model] = Recommendation
    serializer_class = serializers.RecommendationSerializer
    filterset_class = filters.RecommendationFilter

    def scoped(self, user: User) -> QuerySet[Recommendation]:
        return (
            Recommendation.objects.for_user(user)
            .select_related("engagement__site")
            .order_by("engagement_id", "number")
        )


class MilestoneViewSet(ScopedReadViewSet):
    model: type[Model] = Milestone
    serializer_class = serializers.MilestoneSerializer
    filterset_class = filters.MilestoneFilter

    def scoped(self, user: User) -> QuerySet[Milestone]:
        return Milestone.objects.for_user(user).select_related("site").order_by("due_on", "id")


class PeerExchangeViewSet(ScopedReadViewSet):
    """Visible to whoever may see the host or the visiting site, as on the site pages."""

    model: type[Model] = PeerExchange
    serializer_class = serializers.PeerExchangeSerializer
    filterset_class = filters.PeerExchangeFilter

    def scoped(self, user: User) -> QuerySet[PeerExchange]:
        return (
            PeerExchange.objects.for_user(user)
            .select_related("host_site", "visiting_site")
            .prefetch_related("core_areas")
            .order_by("-date", "-id")
        )


class MonthlyCountViewSet(ScopedReadViewSet):
    """Reported counts; a month with no row is missing, never zero (docs/design.md §2)."""

    model: type[Model] = MonthlyCount
    serializer_class = serializers.MonthlyCountSerializer
    filterset_class = filters.MonthlyCountFilter

    def scoped(self, user: User) -> QuerySet[MonthlyCount]:
        return (
            MonthlyCount.objects.for_user(user)
            .select_related("site", "offense")
            .order_by("site_id", "month", "offense__order", "id")
        )


class IncidentViewSet(ScopedReadViewSet):
    """Incident records, a cursor page at a time (follow ``next``)."""

    model: type[Model] = Incident
    serializer_class = serializers.IncidentSerializer
    filterset_class = filters.IncidentFilter
    pagination_class = IncidentCursorPagination

    def scoped(self, user: User) -> QuerySet[Incident]:
        return Incident.objects.for_user(user).select_related("site", "offense")


class DataQualityFlagViewSet(ScopedReadViewSet):
    model: type[Model] = DataQualityFlag
    serializer_class = serializers.DataQualityFlagSerializer
    filterset_class = filters.DataQualityFlagFilter

    def scoped(self, user: User) -> QuerySet[DataQualityFlag]:
        return (
            DataQualityFlag.objects.for_user(user)
            .select_related("site", "offense")
            .order_by("-created_at", "-id")
        )


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, description="Site slug")]
    )
)
class MetricResultViewSet(ScopedReadViewSet):
    """Stored metric results. The detail, by site slug, is exactly the JSON document of
    ``manage.py export_metrics --site SLUG`` (``metrics/engine/export.py``)."""

    model: type[Model] = MetricResult
    serializer_class = serializers.MetricResultSerializer
    filterset_class = filters.MetricResultFilter
    lookup_field = "slug"

    def scoped(self, user: User) -> QuerySet[MetricResult]:
        return (
            MetricResult.objects.for_user(user)
            .select_related("site")
            .order_by("site__name", "metric", "offense", "params_key", "id")
        )

    @extend_schema(responses=serializers.MetricExportSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        assert isinstance(user, User)
        return Response(export_document(get_site_for_user(user, kwargs["slug"])))
