from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "psp.core"
    label = "core"
    verbose_name = "Core"
