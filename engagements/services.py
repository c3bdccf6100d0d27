"""Writes for engagements and milestones. Each validates, saves atomically and records who acted."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from engagements.models import CoreArea, Engagement, Milestone

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site


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
