"""Models of the engagements app, split by sub-domain (docs/style.md: a package past ~400 lines).

- :mod:`.plans`: core areas, engagements, recommendations, action items, milestones
- :mod:`.activities`: TA activities liaisons log
- :mod:`.requests`: TA requests and their status history
- :mod:`.exchanges`: peer exchanges between sites
- :mod:`.attachments`: documents attached to a site and its records
"""

from engagements.models.activities import Activity, ActivityKind, ActivityMode, ActivityQuerySet
from engagements.models.attachments import Attachment, AttachmentKind
from engagements.models.exchanges import PeerExchange, PeerExchangeQuerySet, PracticeAdopted
from engagements.models.plans import (
    CORE_AREAS,
    ActionItem,
    ActionItemQuerySet,
    ActionItemStatus,
    CoreArea,
    Engagement,
    EngagementPriority,
    EngagementStatus,
    Milestone,
    MilestoneKind,
    Recommendation,
    RecommendationQuerySet,
    RecommendationStatus,
)
from engagements.models.requests import (
    TA_TRANSITIONS,
    TARequest,
    TARequestEvent,
    TARequestQuerySet,
    TARequestStatus,
)

__all__ = [
    "Attachment",
    "AttachmentKind",
    "CORE_AREAS",
    "TA_TRANSITIONS",
    "ActionItem",
    "ActionItemQuerySet",
    "ActionItemStatus",
    "Activity",
    "ActivityKind",
    "ActivityMode",
    "ActivityQuerySet",
    "CoreArea",
    "Engagement",
    "EngagementPriority",
    "EngagementStatus",
    "Milestone",
    "MilestoneKind",
    "PeerExchange",
    "PeerExchangeQuerySet",
    "PracticeAdopted",
    "Recommendation",
    "RecommendationQuerySet",
    "RecommendationStatus",
    "TARequest",
    "TARequestEvent",
    "TARequestQuerySet",
    "TARequestStatus",
]
