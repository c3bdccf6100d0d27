"""URLs of the metrics app (mounted at the site root; paths are spelled out in full here)."""

from django.urls import path

from metrics import views_runs

app_name = "metrics"

urlpatterns: list = [
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
]
