from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    label = "engagements"
    verbose_name = "Engagements and TA"
