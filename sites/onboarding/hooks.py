"""What other apps do when a site is onboarded, without ``sites`` importing them.

``sites`` sits below ``metrics`` in the layering (docs/decisions/0001), yet onboarding must set
up what the evaluation needs: the default reporting schedule and the pre-registration
(docs/metrics.md §8.5, §10). A higher app registers a function here from its
``AppConfig.ready()``; :func:`site_onboarded` runs every registered function inside the
onboarding transaction, so a failing hook leaves no site behind. The wizard, the cohort CSV,
``manage.py onboard_sites`` and the demo all go through ``site_onboard``, which calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site

OnboardingHook = Callable[["Site", "User | None"], None]

_HOOKS: dict[str, OnboardingHook] = {}


def register(name: str, hook: OnboardingHook) -> None:
    """Run ``hook(site, acting_user)`` for every site onboarded from now on (a second
    registration under the same ``name`` replaces the first, so ``ready()`` may run twice)."""
    _HOOKS[name] = hook


def registered() -> list[str]:
    return list(_HOOKS)


def site_onboarded(site: Site, acting_user: User | None) -> None:
    """Run the registered hooks for a site just onboarded (inside its transaction)."""
    for hook in list(_HOOKS.values()):
        hook(site, acting_user)
