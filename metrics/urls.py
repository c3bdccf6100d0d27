"""URLs of the metrics app (mounted at the site root; paths are spelled out in full here)."""

from django.urls import path  # noqa: F401

app_name = "metrics"

urlpatterns: list = []
