"""Writes for peer exchanges and their 90-day adoption follow-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from engagements.models import CoreArea, PeerExchange, PracticeAdopted
from engagements.models.exchanges import FOLLOW_UP_DAYS

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site


@transaction.atomic
def peer_exchange_record(
    *,
    host_site: Site,
    visiting_site: Site,
    topic: str,
    date: dt.date,
    core_areas: Iterable[CoreArea],
    acting_user: User | None,
    follow_up_due: dt.date | None = None,
) -> PeerExchange:
    """Record a peer exchange; the adoption follow-up falls due 90 days later by default."""
    areas = list(core_areas)
    exchange = PeerExchange(
        host_site=host_site,
        visiting_site=visiting_site,
        topic=(topic or "").strip(),
        date=date,
        follow_up_due=follow_up_due or (date + dt.timedelta(days=FOLLOW_UP_DAYS)),
        recorded_by=acting_user,
    )
    errors: dict[str, list[str]] = {}
    if not areas:
        errors["core_areas"] = ["Choose at least one core area."]
    try:
        exchange.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    exchange._history_user = acting_user  # type: ignore[attr-defined]
    exchange.save()
    exchange.core_areas.set(areas)
    return exchange


@transaction.atomic
def peer_exchange_follow_up(
    *,
    exchange: PeerExchange,
    acting_user: User | None,
    practice_adopted: str,
    follow_up_note: str = "",
) -> PeerExchange:
    """Answer the follow-up: was the practice adopted at the visiting site?"""
    if practice_adopted not in PracticeAdopted.values:
        raise ValidationError({"practice_adopted": "Choose yes, no or not yet known."})
    if practice_adopted != PracticeAdopted.UNKNOWN and not (follow_up_note or "").strip():
        raise ValidationError(
            {"follow_up_note": "Say briefly what was (or was not) adopted and how you know."}
        )
    exchange.practice_adopted = practice_adopted
    exchange.follow_up_note = (follow_up_note or "").strip()
    exchange.full_clean()
    exchange._history_user = acting_user  # type: ignore[attr-defined]
    exchange.save()
    return exchange
