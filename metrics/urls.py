"""URLs of the metrics app (mounted at the site root; paths are spelled out in full here)."""

from django.urls import path

from metrics.views import comparison as views_comparison
from metrics.views import data as views
from metrics.views import preregistration as views_prereg
from metrics.views import runs as views_runs
from metrics.views import stewardship as views_steward

app_name = "metrics"

urlpatterns = [
    path(
        "sites/<slug:slug>/metrics/recompute/",
        views_runs.metrics_recompute,
        name="recompute",
    ),
    path(
        "sites/<slug:slug>/metrics/runs/<int:pk>/",
        views_runs.metrics_run_status,
        name="run_status",
    ),
    path("sites/<slug:slug>/data/", views.data_page, name="data"),
    path(
        "sites/<slug:slug>/comparison/",
        views_comparison.comparison_link,
        name="comparison_link",
    ),
    path("sites/<slug:slug>/data/upload/", views.upload_create, name="upload_create"),
    path("sites/<slug:slug>/data/uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path(
        "sites/<slug:slug>/data/uploads/<int:pk>/mapping/",
        views.upload_mapping,
        name="upload_mapping",
    ),
    path(
        "sites/<slug:slug>/data/uploads/<int:pk>/confirm/",
        views.upload_confirm,
        name="upload_confirm",
    ),
    path(
        "sites/<slug:slug>/data/uploads/<int:pk>/status/",
        views.upload_status,
        name="upload_status",
    ),
    path("sites/<slug:slug>/data/uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path(
        "sites/<slug:slug>/data/uploads/<int:pk>/requeue/",
        views.upload_requeue,
        name="upload_requeue",
    ),
    path(
        "sites/<slug:slug>/data/uploads/<int:pk>/retry/",
        views.upload_retry,
        name="upload_retry",
    ),
    path(
        "sites/<slug:slug>/data/uploads/<int:pk>/discard/",
        views.upload_discard,
        name="upload_discard",
    ),
    path("sites/<slug:slug>/data/flags/<int:pk>/", views.flag_update, name="flag_update"),
    path("sites/<slug:slug>/data/flags/bulk/", views_steward.flags_bulk, name="flags_bulk"),
    path("sites/<slug:slug>/data/schedule/", views_steward.schedule_update, name="schedule_update"),
    path("sites/<slug:slug>/data/review/", views_steward.months_review, name="months_review"),
    # Pre-registration and the reporting set-up (issues 13 and 14)
    path(
        "sites/<slug:slug>/preregistration/",
        views_prereg.preregistration,
        name="preregistration",
    ),
    path(
        "sites/<slug:slug>/reporting-setup/",
        views_prereg.reporting_setup,
        name="reporting_setup",
    ),
]
