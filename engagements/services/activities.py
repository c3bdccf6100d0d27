"""Writes for TA activities: log one, correct one, log a recurring one again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements.models import Activity, CoreArea, Engagement, Milestone
from sites.models import Agency

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site

ACTIVITY_FIELDS = (
    "kind",
    "date",
    "end_date",
    "duration_hours",
    "mode",
    "engagement",
    "audience",
    "participants_count",
    "summary",
    "next_steps",
)


def _check_relations(
    site: Site,
    core_areas: list[CoreArea],
    agencies: list[Agency],
    milestones: list[Milestone],
    engagement: Engagement | None,
) -> dict[str, str]:
    """Errors for related rows that do not belong to ``site`` (or are missing)."""
    errors: dict[str, str] = {}
    if not core_areas:
        errors["core_areas"] = "Choose at least one core area."
    foreign = [a.name for a in agencies if a.site_id != site.pk]
    if foreign:
        errors["agencies"] = f"Not an agency of {site.name}: {', '.join(foreign)}."
    if any(m.site_id != site.pk for m in milestones):
        errors["milestones"] = f"Choose milestones of {site.name} only."
    if engagement is not None and engagement.site_id != site.pk:
        errors["engagement"] = f"Choose an engagement of {site.name}."
    return errors


def _validate_and_save(
    activity: Activity,
    *,
    acting_user: User | None,
    core_areas: list[CoreArea],
    agencies: list[Agency],
    milestones: list[Milestone],
) -> Activity:
    errors = _check_relations(activity.site, core_areas, agencies, milestones, activity.engagement)
    try:
        activity.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    if acting_user is not None:
        activity._history_user = acting_user  # type: ignore[attr-defined]
    activity.save()
    activity.core_areas.set(core_areas)
    activity.agencies.set(agencies)
    activity.milestones.set(milestones)
    return activity


@transaction.atomic
def activity_log(
    *,
    site: Site,
    acting_user: User | None,
    kind: str,
    duration_hours: Decimal | float | str,
    mode: str,
    core_areas: Iterable[CoreArea],
    summary: str,
    date: dt.date | None = None,
    end_date: dt.date | None = None,
    engagement: Engagement | None = None,
    agencies: Iterable[Agency] = (),
    milestones: Iterable[Milestone] = (),
    audience: str = "",
    participants_count: int | None = None,
    next_steps: str = "",
) -> Activity:
    """Record TA delivered to ``site``. Related rows must belong to the same site."""
    activity = Activity(
        site=site,
        kind=kind,
        date=date or timezone.localdate(),
        end_date=end_date,
        duration_hours=Decimal(str(duration_hours)),
        mode=mode,
        engagement=engagement,
        audience=audience.strip(),
        participants_count=participants_count,
        summary=summary.strip(),
        next_steps=next_steps.strip(),
        logged_by=acting_user,
        logged_at=timezone.now(),
    )
    return _validate_and_save(
        activity,
        acting_user=acting_user,
        core_areas=list(core_areas),
        agencies=list(agencies),
        milestones=list(milestones),
    )


@transaction.atomic
def activity_update(*, activity: Activity, acting_user: User, changes: dict[str, Any]) -> Activity:
    """Correct a logged activity. ``changes`` may hold any field and the related lists."""
    related = {k: changes.pop(k) for k in ("core_areas", "agencies", "milestones") if k in changes}
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    for field, value in changes.items():
        setattr(activity, field, value)
    return _validate_and_save(
        activity,
        acting_user=acting_user,
        core_areas=list(related.get("core_areas", activity.core_areas.all())),
        agencies=list(related.get("agencies", activity.agencies.all())),
        milestones=list(related.get("milestones", activity.milestones.all())),
    )


@transaction.atomic
def activity_log_again(
    *, activity: Activity, acting_user: User | None, date: dt.date | None = None
) -> Activity:
    """Log a recurring activity again: a copy of ``activity`` dated today (or ``date``).

    Milestones are not copied: a milestone is reached once.
    """
    return activity_log(
        site=activity.site,
        acting_user=acting_user,
        kind=activity.kind,
        date=date or timezone.localdate(),
        duration_hours=activity.duration_hours,
        mode=activity.mode,
        core_areas=activity.core_areas.all(),
        engagement=activity.engagement,
        agencies=activity.agencies.all(),
        audience=activity.audience,
        participants_count=activity.participants_count,
        summary=activity.summary,
        next_steps=activity.next_steps,
    )
