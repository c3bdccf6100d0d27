"""Writes of the engagements app. Every service is keyword-only, atomic, validates with
``full_clean`` and records who acted; the same call serves views, the seed and tests.

Split by sub-domain; import from here (``from engagements.services import activity_log``).
"""

from engagements.services.activities import (
    activity_delete,
    activity_log,
    activity_log_again,
    activity_restore,
    activity_update,
)
from engagements.services.attachments import attachment_add
from engagements.services.exchanges import peer_exchange_follow_up, peer_exchange_record
from engagements.services.people import liaison_reassign
from engagements.services.plans import (
    action_item_add,
    action_item_update_status,
    engagement_create,
    engagement_ensure,
    engagement_update,
    milestone_create,
    milestone_set_completed,
    recommendation_add,
)
from engagements.services.requests import (
    ta_request_submit,
    ta_request_transition,
)

__all__ = [
    "action_item_add",
    "action_item_update_status",
    "attachment_add",
    "activity_delete",
    "activity_log",
    "activity_log_again",
    "activity_restore",
    "activity_update",
    "engagement_create",
    "engagement_ensure",
    "engagement_update",
    "liaison_reassign",
    "milestone_create",
    "milestone_set_completed",
    "peer_exchange_follow_up",
    "peer_exchange_record",
    "recommendation_add",
    "ta_request_submit",
    "ta_request_transition",
]
