"""Writes for TA activities: log one, correct one, log a recurring one again, delete one and
undo the deletion."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.models import Activity, CoreArea, Engagement, Milestone
from engagements.models.activities import UNDO_DAYS
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
    *,
    activity: Activity,
    acting_user: User | None,
    date: dt.date | None = None,
    token: uuid.UUID | None = None,
) -> tuple[Activity, bool]:
    """Log a recurring activity again: a copy of ``activity`` dated today (or ``date``).

    ``token`` is the one-time token of the click: the same token twice (a double click, a
    resubmitted form) returns the copy the first one made instead of logging another. Returns
    ``(copy, created)``. Milestones are not copied: a milestone is reached once.
    """
    if token is not None:
        earlier = Activity.all_objects.filter(log_token=token).first()
        if earlier is not None:
            return earlier, False
    try:
        with transaction.atomic():
            copy = activity_log(
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
            if token is not None:
                copy.log_token = token
                copy.save(update_fields=["log_token"])
    except IntegrityError:
        # The same click arrived twice at once: the other request's copy won the token.
        return Activity.all_objects.get(log_token=token), False
    return copy, True


@transaction.atomic
def activity_delete(*, activity: Activity, acting_user: User) -> Activity:
    """Delete a mistaken activity: it leaves every list and total at once; the row and its
    history stay, and :func:`activity_restore` brings it back within ``UNDO_DAYS`` days."""
    activity = Activity.all_objects.select_for_update().get(pk=activity.pk)
    if activity.deleted_at is None:
        activity.deleted_at = timezone.now()
        activity.deleted_by = acting_user
        activity._history_user = acting_user  # type: ignore[attr-defined]
        activity._change_reason = "Deleted"  # type: ignore[attr-defined]
        activity.save(update_fields=["deleted_at", "deleted_by"])
    return activity


@transaction.atomic
def activity_restore(*, activity: Activity, acting_user: User) -> Activity:
    """Undo a deletion made less than ``UNDO_DAYS`` days ago; the activity counts again."""
    activity = Activity.all_objects.select_for_update().get(pk=activity.pk)
    if activity.deleted_at is None:
        return activity
    if not activity.can_undo():
        raise ValidationError(
            f"This activity was deleted more than {UNDO_DAYS} days ago and can no longer be "
            "restored; its history is kept."
        )
    activity.deleted_at = None
    activity.deleted_by = None
    activity._history_user = acting_user  # type: ignore[attr-defined]
    activity._change_reason = "Restored"  # type: ignore[attr-defined]
    activity.save(update_fields=["deleted_at", "deleted_by"])
    return activity
