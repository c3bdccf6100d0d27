"""Moving a departing liaison's work to someone else in one step (issue 16)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from engagements.models import ActionItem, Engagement, PeerExchange, TARequest
from engagements.selectors import Reassignment, reassignment_plan
from sites.models import MembershipRole, SiteMembership
from sites.services import membership_add

if TYPE_CHECKING:
    from psp.accounts.models import User


def _save(instance: Engagement | ActionItem | TARequest | PeerExchange, acting_user: User) -> None:
    instance.full_clean()
    instance._history_user = acting_user  # type: ignore[union-attr]  # read by simple_history
    instance.save()


@transaction.atomic
def liaison_reassign(
    *,
    from_user: User,
    to_user: User,
    acting_user: User,
    confirm_role_change: bool = False,
) -> Reassignment:
    """Hand every site ``from_user`` is liaison of to ``to_user`` in one transaction: the
    liaison memberships, the engagements they lead, their open action items, open TA requests
    and pending peer-exchange follow-ups. All of it moves, or nothing does.

    A receiver who is read-only today (auditor, partner-only) needs ``confirm_role_change``.
    Membership changes apply at each person's next request; nobody is signed out.
    """
    if from_user.pk == to_user.pk:
        raise ValidationError({"to_user": "Choose someone other than the departing person."})
    if not to_user.is_active:
        raise ValidationError({"to_user": f"{to_user} is deactivated."})
    plan = reassignment_plan(from_user=from_user, to_user=to_user, lock=True)
    if plan.is_empty:
        raise ValidationError({"to_user": f"{from_user} is liaison of no site; nothing to move."})
    for site in plan.sites:
        membership_add(
            site=site,
            user=to_user,
            role=MembershipRole.LIAISON,
            acting_user=acting_user,
            confirm_role_change=confirm_role_change,
        )
        for old in SiteMembership.objects.filter(
            site=site, user=from_user, role=MembershipRole.LIAISON
        ):
            old._history_user = acting_user  # type: ignore[attr-defined]
            old._change_reason = f"Reassigned to {to_user}."  # type: ignore[attr-defined]
            old.delete()
    for engagement in plan.engagements:
        engagement.lead = to_user
        _save(engagement, acting_user)
    for item in plan.action_items:
        item.owner = to_user.full_name or to_user.email
        _save(item, acting_user)
    for request in plan.ta_requests:
        request.requested_by = to_user
        _save(request, acting_user)
    for exchange in plan.follow_ups:
        exchange.recorded_by = to_user
        _save(exchange, acting_user)
    return plan
