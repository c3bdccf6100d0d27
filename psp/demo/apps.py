from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo seeding (``manage.py seed_demo``); no models."""

    name = "psp.demo"
    label = "demo"
    verbose_name = "PSP demo data"
