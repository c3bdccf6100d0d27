"""Writes for TA requests: submit, then each step (review, decide, schedule, deliver) through
``ta_request_transition``. Each step is recorded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements.models import (
    TA_TRANSITIONS,
    ActionItem,
    Activity,
    CoreArea,
    Engagement,
    Milestone,
    Recommendation,
    TARequest,
    TARequestEvent,
    TARequestStatus,
)
from psp.core import events

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site


def _label(status: str) -> str:
    return TARequestStatus(status).label.lower()


@transaction.atomic
def ta_request_submit(
    *,
    site: Site,
    acting_user: User,
    core_area: CoreArea,
    need: str,
    engagement: Engagement | None = None,
    recommendation: Recommendation | None = None,
    action_item: ActionItem | None = None,
    milestone: Milestone | None = None,
) -> TARequest:
    """A partner, liaison or staff member asks for TA for ``site`` in ``core_area``.

    The request may name what it serves; an action item brings its recommendation and
    engagement along, a recommendation its engagement. Everything must be of ``site``.
    """
    if action_item is not None:
        recommendation = recommendation or action_item.recommendation
        engagement = engagement or action_item.engagement
    if recommendation is not None:
        engagement = engagement or recommendation.engagement
    request = TARequest(
        site=site,
        requested_by=acting_user,
        core_area=core_area,
        need=(need or "").strip(),
        status=TARequestStatus.SUBMITTED,
        submitted_at=timezone.now(),
        engagement=engagement,
        recommendation=recommendation,
        action_item=action_item,
        milestone=milestone,
    )
    request.full_clean()
    request._history_user = acting_user  # type: ignore[attr-defined]
    request.save()
    event = TARequestEvent.objects.create(
        request=request, from_status="", to_status=request.status, actor=acting_user
    )
    events.ta_request_submitted.send(
        sender=TARequest, request=request, event=event, site=site, actor=acting_user
    )
    return request


@transaction.atomic
def ta_request_transition(
    *,
    request: TARequest,
    acting_user: User,
    to_status: str,
    note: str = "",
    scheduled_for: dt.date | None = None,
    activity: Activity | None = None,
) -> TARequest:
    """Move a request one step along ``TA_TRANSITIONS``; a skipped step is refused.

    Declining needs a note; scheduling needs a date; delivering needs the activity (of the same
    site) that delivered it.
    """
    request = TARequest.objects.select_for_update().get(pk=request.pk)
    note = (note or "").strip()
    allowed = TA_TRANSITIONS.get(request.status, ())
    if to_status not in allowed:
        if allowed:
            nexts = " or ".join(_label(s) for s in allowed)
            hint = f"the next step is {nexts}."
        else:
            hint = "it is closed."
        raise ValidationError(
            {
                "to_status": (
                    f"A request that is {_label(request.status)} cannot be marked "
                    f"{_label(to_status) if to_status in TARequestStatus.values else to_status}"
                    f": {hint}"
                )
            }
        )
    errors: dict[str, str] = {}
    if to_status == TARequestStatus.DECLINED and not note:
        errors["note"] = "Give a reason for declining; the requester will see it."
    if to_status == TARequestStatus.SCHEDULED:
        if scheduled_for is None:
            errors["scheduled_for"] = "Give the date the TA is scheduled for."
        else:
            request.scheduled_for = scheduled_for
    if to_status == TARequestStatus.DELIVERED:
        if activity is None:
            errors["activity"] = "Choose the activity that delivered this request."
        elif activity.site_id != request.site_id:
            errors["activity"] = f"Choose an activity of {request.site.name}."
        else:
            request.delivered_by = activity
    if errors:
        raise ValidationError(errors)
    if to_status in (TARequestStatus.APPROVED, TARequestStatus.DECLINED):
        request.decided_by = acting_user
        request.decided_at = timezone.now()
        request.decision_note = note
    from_status = request.status
    request.status = to_status
    request.full_clean()
    request._history_user = acting_user  # type: ignore[attr-defined]
    request.save()
    event = TARequestEvent.objects.create(
        request=request, from_status=from_status, to_status=to_status, actor=acting_user, note=note
    )
    decided = to_status in (TARequestStatus.APPROVED, TARequestStatus.DECLINED)
    signal = events.ta_request_decided if decided else events.ta_request_changed
    signal.send(
        sender=TARequest, request=request, event=event, site=request.site, actor=acting_user
    )
    return request
