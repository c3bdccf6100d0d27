"""Everything of the API lives under ``/api/`` (included by ``psp/urls.py``)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.views import reads, tokens, writes

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sites", reads.SiteViewSet, basename="site")
router.register("cohorts", reads.CohortViewSet, basename="cohort")
router.register("engagements", reads.EngagementViewSet, basename="engagement")
router.register("recommendations", reads.RecommendationViewSet, basename="recommendation")
router.register("action-items", writes.ActionItemViewSet, basename="action-item")
router.register("milestones", reads.MilestoneViewSet, basename="milestone")
router.register("activities", writes.ActivityViewSet, basename="activity")
router.register("ta-requests", writes.TARequestViewSet, basename="ta-request")
router.register("peer-exchanges", reads.PeerExchangeViewSet, basename="peer-exchange")
router.register("monthly-counts", reads.MonthlyCountViewSet, basename="monthly-count")
router.register("incidents", reads.IncidentViewSet, basename="incident")
router.register("data-quality-flags", reads.DataQualityFlagViewSet, basename="data-quality-flag")
router.register("uploads", writes.UploadViewSet, basename="upload")
router.register("metric-results", reads.MetricResultViewSet, basename="metric-result")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # Our own page around Swagger UI (templates/api/docs.html: lang, landmarks, axe fixes).
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", title="PSP Portfolio API", template_name="api/docs.html"
        ),
        name="docs",
    ),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("", include(router.urls)),
]
