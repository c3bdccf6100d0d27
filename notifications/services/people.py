"""What a person does with their notifications: read them, choose channels, unsubscribe, watch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.models import Channel, DigestSetting, Kind, Notification, Preference, Watch
from notifications.services.recipients import CHOICES, DEFAULT_CHANNELS

if TYPE_CHECKING:
    from engagements.models import TARequest
    from psp.accounts.models import User
    from sites.models import Site


def mark_read(user: User, pk: int) -> bool:
    """Mark one of ``user``'s notifications read; ``False`` when it is not theirs."""
    return bool(
        Notification.objects.filter(recipient=user, pk=pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        or Notification.objects.filter(recipient=user, pk=pk).exists()
    )


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def set_channel(user: User, kind: str, channel: str) -> None:
    """Choose ``channel`` for ``kind``; a choice equal to the default keeps no row."""
    if kind not in Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of notification."})
    if channel not in CHOICES[kind]:
        raise ValidationError({kind: f"{Kind(kind).label}: “{channel}” is not one of its choices."})
    if channel == DEFAULT_CHANNELS[kind]:
        Preference.objects.filter(user=user, kind=kind).delete()
    else:
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})


def unsubscribe(user: User, kind: str) -> None:
    set_channel(user, kind, Channel.OFF)


def set_time_zone(user: User, time_zone: str) -> None:
    from sites.timezones import is_time_zone

    if not is_time_zone(time_zone):
        raise ValidationError(
            {"time_zone": f"“{time_zone}” is not an IANA time zone (America/Chicago)."}
        )
    DigestSetting.objects.update_or_create(user=user, defaults={"time_zone": time_zone})


def toggle_watch(
    user: User, *, site: Site | None = None, ta_request: TARequest | None = None
) -> bool:
    """Start watching (``True``) or stop (``False``)."""
    lookup = {"user": user, "site": site, "ta_request": ta_request}
    deleted, _ = Watch.objects.filter(**lookup).delete()
    if deleted:
        return False
    Watch.objects.create(**lookup)
    return True


def is_watching(
    user: User, *, site: Site | None = None, ta_request: TARequest | None = None
) -> bool:
    return Watch.objects.filter(user=user, site=site, ta_request=ta_request).exists()
