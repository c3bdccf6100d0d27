"""Writes for engagements, their recommendations and action items, and milestones."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from engagements.models import (
    ActionItem,
    ActionItemStatus,
    CoreArea,
    Engagement,
    Milestone,
    Recommendation,
    RecommendationStatus,
)

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site


def _save(instance: Any, acting_user: User | None) -> None:
    """Validate and save, attributing the change-history row to ``acting_user``."""
    instance.full_clean()
    if acting_user is not None:
        instance._history_user = acting_user
    instance.save()


@transaction.atomic
def engagement_create(
    *,
    site: Site,
    core_area: CoreArea,
    acting_user: User | None,
    lead: User | None = None,
    goal: str = "",
    priority: str = "medium",
    status: str = "planned",
    started_on: dt.date | None = None,
) -> Engagement:
    """Open an engagement for ``site`` in ``core_area`` (one per pair)."""
    if Engagement.objects.filter(site=site, core_area=core_area).exists():
        raise ValidationError(
            {"core_area": f"{site.name} already has a {core_area.name} engagement."}
        )
    engagement = Engagement(
        site=site,
        core_area=core_area,
        lead=lead,
        goal=goal,
        priority=priority,
        status=status,
        started_on=started_on,
    )
    engagement.full_clean()
    engagement._history_user = acting_user  # type: ignore[attr-defined]
    engagement.save()
    return engagement


@transaction.atomic
def milestone_create(
    *,
    site: Site,
    kind: str,
    title: str,
    acting_user: User | None,
    due_on: dt.date | None = None,
    completed_on: dt.date | None = None,
) -> Milestone:
    """Schedule (or record) a milestone for ``site``."""
    milestone = Milestone(
        site=site, kind=kind, title=title.strip(), due_on=due_on, completed_on=completed_on
    )
    milestone.full_clean()
    milestone._history_user = acting_user  # type: ignore[attr-defined]
    milestone.save()
    return milestone


ENGAGEMENT_EDITABLE = ("status", "priority", "lead", "goal", "started_on", "ended_on")


@transaction.atomic
def engagement_ensure(
    *,
    site: Site,
    core_area: CoreArea,
    acting_user: User | None,
    **defaults: Any,
) -> tuple[Engagement, bool]:
    """The engagement of ``site`` in ``core_area``, created with ``defaults`` if missing."""
    existing = Engagement.objects.filter(site=site, core_area=core_area).first()
    if existing is not None:
        return existing, False
    return (
        engagement_create(site=site, core_area=core_area, acting_user=acting_user, **defaults),
        True,
    )


@transaction.atomic
def engagement_update(
    *, engagement: Engagement, acting_user: User | None, changes: dict[str, Any]
) -> Engagement:
    """Change an engagement's goal, status, priority, lead or dates."""
    unknown = set(changes) - set(ENGAGEMENT_EDITABLE)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(engagement, field, value)
    _save(engagement, acting_user)
    return engagement


@transaction.atomic
def milestone_set_completed(
    *, milestone: Milestone, acting_user: User | None, completed_on: dt.date | None
) -> Milestone:
    """Mark a milestone reached on ``completed_on`` (or reopen it with ``None``)."""
    if completed_on and completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "A milestone cannot be reached in the future."})
    milestone.completed_on = completed_on
    _save(milestone, acting_user)
    return milestone


@transaction.atomic
def recommendation_add(
    *,
    engagement: Engagement,
    acting_user: User | None,
    text: str,
    source: str = "",
    number: int | None = None,
    status: str = RecommendationStatus.OPEN,
) -> Recommendation:
    """Add a recommendation; it takes the next number in its engagement unless one is given."""
    if number is None:
        last = engagement.recommendations.aggregate(m=Max("number"))["m"] or 0
        number = last + 1
    elif engagement.recommendations.filter(number=number).exists():
        raise ValidationError({"number": f"Recommendation {number} already exists here."})
    recommendation = Recommendation(
        engagement=engagement, number=number, text=text.strip(), source=source, status=status
    )
    _save(recommendation, acting_user)
    return recommendation


@transaction.atomic
def action_item_add(
    *,
    engagement: Engagement,
    acting_user: User | None,
    title: str,
    owner: str = "",
    due_on: dt.date | None = None,
    recommendation: Recommendation | None = None,
    status: str = ActionItemStatus.NOT_STARTED,
    completed_on: dt.date | None = None,
) -> ActionItem:
    """Add an action item to an engagement's plan (optionally answering a recommendation)."""
    if status == ActionItemStatus.COMPLETE and completed_on is None:
        completed_on = timezone.localdate()
    item = ActionItem(
        engagement=engagement,
        recommendation=recommendation,
        title=title.strip(),
        owner=owner.strip(),
        due_on=due_on,
        status=status,
        completed_on=completed_on if status == ActionItemStatus.COMPLETE else None,
    )
    _save(item, acting_user)
    return item


@transaction.atomic
def action_item_update_status(
    *,
    item: ActionItem,
    acting_user: User | None,
    status: str,
    completed_on: dt.date | None = None,
) -> ActionItem:
    """Move an action item to ``status``; completing it records the day (today by default)."""
    if status not in ActionItemStatus.values:
        raise ValidationError({"status": f"“{status}” is not an action-item status."})
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if status == ActionItemStatus.COMPLETE:
        completed_on = completed_on or item.completed_on or timezone.localdate()
        if completed_on > timezone.localdate():
            raise ValidationError({"completed_on": "An item cannot be completed in the future."})
        item.completed_on = completed_on
    else:
        item.completed_on = None
    item.status = status
    _save(item, acting_user)
    return item
