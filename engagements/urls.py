"""URLs of the engagements app (mounted at the site root; paths are spelled out in full here)."""

from django.urls import path  # noqa: F401

app_name = "engagements"

urlpatterns: list = []
