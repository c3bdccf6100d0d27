"""URLs of the dashboards (mounted at the site root; paths are spelled out in full here)."""

from django.urls import path

from dashboards import reporting, views

app_name = "dashboards"

urlpatterns = [
    path("sites/", views.portfolio, name="portfolio"),
    path(
        "portfolio/export/<str:fmt>/",
        views.portfolio_export,
        name="portfolio_export",
    ),
    path("sites/<slug:slug>/dashboard/", views.site_dashboard, name="site"),
    path("sites/<slug:slug>/brief/", views.site_brief, name="brief"),
    path("core-areas/", views.core_area_index, name="core_areas"),
    path("core-areas/<slug:code>/", views.core_area_detail, name="core_area"),
    path("workload/", views.workload, name="workload"),
    path("reporting/", reporting.reporting_report, name="reporting"),
    path("reporting/export/<str:fmt>/", reporting.reporting_export, name="reporting_export"),
    path("sites/<slug:slug>/reporting/", reporting.site_reporting, name="site_reporting"),
    path("search/", views.search, name="search"),
]
