"""Reads of data stewardship for a site's Data page: its reporting schedule, where its months
stand in review, and the history of submissions, approvals, returns and unlocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.models import MonthlyCountRevision, MonthReview, MonthReviewEvent, ReviewState
from metrics.selectors.reporting import Schedule, schedules
from sites.models import Site


@dataclass
class ReviewOverview:
    schedule: Schedule
    reviews: list[MonthReview]
    returned: list[MonthReview]
    events: list[MonthReviewEvent]
    approved_through: dt.date | None


def approved_through(site: Site) -> dt.date | None:
    """The last month of the site's unbroken run of approved months from its first reviewed
    month (a month not approved stops it); ``None`` when the first is not approved."""
    through = None
    for month, state in (
        MonthReview.objects.filter(site=site).order_by("month").values_list("month", "state")
    ):
        if state != ReviewState.APPROVED:
            break
        through = month
    return through


def review_overview(site: Site, *, months: int = 36, events: int = 30) -> ReviewOverview:
    """The latest ``months`` reviewed months (newest first) and ``events`` history entries."""
    reviews = list(
        MonthReview.objects.filter(site=site)
        .select_related("updated_by")
        .order_by("-month")[:months]
    )
    return ReviewOverview(
        schedule=schedules([site])[site.pk],
        reviews=reviews,
        returned=[r for r in reviews if r.state == ReviewState.RETURNED],
        events=list(
            MonthReviewEvent.objects.filter(site=site)
            .select_related("actor", "upload")
            .order_by("-at", "-id")[:events]
        ),
        approved_through=approved_through(site),
    )


def recent_revisions(site: Site, *, limit: int = 25) -> list[MonthlyCountRevision]:
    """The latest changes to values already submitted (newest first), each with the reason
    given for its file (one query)."""
    return list(
        MonthlyCountRevision.objects.filter(monthly_count__site=site, previous_value__isnull=False)
        .select_related("monthly_count__offense", "recorded_by", "upload")
        .order_by("-recorded_at", "-id")[:limit]
    )
