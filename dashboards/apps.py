from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The read side over every app: portfolio, site dashboard and brief, core areas, workload."""

    name = "dashboards"
    label = "dashboards"
    verbose_name = "PSP dashboards"
