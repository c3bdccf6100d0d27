from django.urls import path

from sites import views

app_name = "sites"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("<slug:slug>/", views.site_detail, name="detail"),
    path("<slug:slug>/edit/", views.site_edit, name="edit"),
    path("<slug:slug>/phase/", views.site_phase, name="phase"),
    path("<slug:slug>/agencies/add/", views.agency_add, name="agency_add"),
]
