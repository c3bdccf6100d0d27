from django.urls import path

from sites import views

app_name = "sites"

urlpatterns = [
    # Fixed paths come before <slug>; onboarding.RESERVED_SLUGS keeps sites off them.
    path("onboard/", views.site_onboard, name="onboard"),
    path("onboard/bulk/", views.site_onboard_bulk, name="onboard_bulk"),
    path("onboard/places/", views.place_search, name="place_search"),
    path("<slug:slug>/", views.site_detail, name="detail"),
    path("<slug:slug>/edit/", views.site_edit, name="edit"),
    path("<slug:slug>/phase/", views.site_phase, name="phase"),
    path("<slug:slug>/milestones/", views.site_milestones, name="milestones"),
    path("<slug:slug>/agencies/add/", views.agency_add, name="agency_add"),
]
