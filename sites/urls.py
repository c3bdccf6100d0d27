"""URLs of the sites app (mounted at /sites/). Onboarding's fixed paths (/sites/onboard/…) are
mounted before these, and ``sites.onboarding.services.RESERVED_SLUGS`` keeps sites off them."""

from django.urls import path

from sites import views

app_name = "sites"

urlpatterns = [
    path("<slug:slug>/", views.site_detail, name="detail"),
    path("<slug:slug>/edit/", views.site_edit, name="edit"),
    path("<slug:slug>/phase/", views.site_phase, name="phase"),
    path("<slug:slug>/population/", views.site_population, name="population"),
    path("<slug:slug>/agencies/add/", views.agency_add, name="agency_add"),
]
