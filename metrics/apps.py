from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    label = "metrics"
    verbose_name = "Outcomes and metrics"

    def ready(self) -> None:
        # Onboarding (in ``sites``, below ``metrics``) sets up the reporting schedule and the
        # pre-registration through its hook registry (docs/metrics.md §8.5, §10).
        from metrics.services.preregistration import site_onboarded
        from sites.onboarding import hooks

        hooks.register("metrics.schedule_and_preregistration", site_onboarded)
