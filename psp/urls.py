"""URL map: each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

from dashboards.views import home
from psp.core.views import healthz, readyz

admin.site.site_header = "PSP Portfolio administration"
admin.site.site_title = "PSP Portfolio"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("accounts/", include("psp.accounts.urls")),
    # Security keys (WebAuthn) as a second factor: the library's JSON endpoints (issue 21 M4).
    path("accounts/webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("", include("dashboards.urls")),
    path("", include("sites.onboarding.urls")),
    path("sites/", include("sites.urls")),
    path("", include("engagements.urls")),
    path("", include("metrics.urls")),
    path("", include("notifications.urls")),  # issue 15
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
