"""URLs of onboarding (mounted at the site root before the sites app, whose ``<slug>`` paths would
otherwise catch ``/sites/onboard/``; paths are spelled out in full here)."""

from django.urls import path

from sites.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("sites/onboard/", views.site_onboard, name="onboard"),
    path("sites/onboard/bulk/", views.site_onboard_bulk, name="onboard_bulk"),
    path("sites/onboard/places/", views.place_search, name="place_search"),
    path("sites/<slug:slug>/milestones/", views.site_milestones, name="milestones"),
]
