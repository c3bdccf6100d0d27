"""The app's URL map plus the benchmark's floor page (only under ``bench.settings``)."""

from django.urls import include, path

from bench.views import bare

urlpatterns = [
    path("bench/bare/", include(([path("", bare, name="bare")], "bench"))),
    path("", include("psp.urls")),
]
