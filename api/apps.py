from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API over every app (issue 18): personal tokens, scoped reads, service writes."""

    name = "api"
    label = "api"
    verbose_name = "PSP API"
