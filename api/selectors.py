"""Reads of the API app: the tokens a person sees on the tokens page, and what a page of
activities shows besides its own columns."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from api.models import ApiToken
from engagements.models import Activity
from psp.accounts.models import User


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """``user``'s own tokens, newest first, revoked ones included (they stay listed)."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


def tokens_of_everyone(user: User) -> QuerySet[ApiToken]:
    """Every person's tokens that still work, for administrators; nothing for anyone else."""
    if not user.is_psp_admin:
        return ApiToken.objects.none()
    return ApiToken.objects.usable().select_related("user").order_by("user__email", "-created_at")


def attach_activity_links(activities: Sequence[Activity]) -> None:
    """Give each activity its core area codes, agency ids and milestone ids as plain lists
    (``api_areas``, ``api_agencies``, ``api_milestones``), read from the three link tables in
    three queries whatever the number of rows — no join to the linked tables, no model
    instances or querysets per row (issue 18: the activity list within the web list's time)."""
    by_id = {a.pk: a for a in activities}
    for a in activities:
        a.api_areas, a.api_agencies, a.api_milestones = [], [], []  # type: ignore[attr-defined]
    if not by_id:
        return
    # (link table, what a row shows, in which order, attribute): areas in their usual order.
    links = (
        (Activity.core_areas.through, "corearea__code", "corearea__order", "api_areas"),
        (Activity.agencies.through, "agency_id", "agency_id", "api_agencies"),
        (Activity.milestones.through, "milestone_id", "milestone_id", "api_milestones"),
    )
    for through, value, order, attr in links:
        rows = (
            through.objects.filter(activity_id__in=list(by_id))
            .order_by("activity_id", order)
            .values_list("activity_id", value)
        )
        for activity_id, linked in rows:
            getattr(by_id[activity_id], attr).append(linked)
