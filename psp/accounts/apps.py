from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "psp.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # The sign-in hook that starts every session unverified when a second factor applies.
        from psp.accounts import mfa  # noqa: F401
