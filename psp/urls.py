"""URL map: each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

from psp.core.views import healthz
from sites.views import home

admin.site.site_header = "PSP Portfolio administration"
admin.site.site_title = "PSP Portfolio"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("psp.accounts.urls")),
    path("sites/", include("sites.urls")),
    path("", include("engagements.urls")),
    path("", include("metrics.urls")),
    path("", include("metrics.dashboards.urls")),
    path("admin/", admin.site.urls),
]
