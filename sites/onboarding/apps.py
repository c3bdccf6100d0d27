from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Onboarding (no models of its own): registered so ``onboard_sites`` is found here."""

    name = "sites.onboarding"
    label = "onboarding"
    verbose_name = "PSP onboarding"
