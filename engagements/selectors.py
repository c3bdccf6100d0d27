"""Reads of the engagements app, always scoped to the asking user, in constant query counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from engagements.models import (
    ActionItem,
    Activity,
    Engagement,
    Milestone,
    PeerExchange,
    PracticeAdopted,
    Recommendation,
    TARequest,
)
from engagements.models.activities import LIVE_ACTIVITIES, UNDO_DAYS
from engagements.models.requests import OPEN_TA_STATUSES
from sites.models import MembershipRole, Site, SiteMembership
from sites.selectors import read_only_reason

if TYPE_CHECKING:
    from psp.accounts.models import User

ACTIVITY_SORTS: dict[str, tuple[str, ...]] = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "site": ("site__name", "-date", "-id"),
    "-site": ("-site__name", "-date", "-id"),
    "kind": ("kind", "-date", "-id"),
    "-kind": ("-kind", "-date", "-id"),
    "duration": ("duration_hours", "-date", "-id"),
    "-duration": ("-duration_hours", "-date", "-id"),
    "logged_by": ("logged_by__full_name", "-date", "-id"),
    "-logged_by": ("-logged_by__full_name", "-date", "-id"),
}
TIMELINE_PAGE_SIZE = 25


@dataclass(frozen=True)
class ActivityFilters:
    """What the activity list (and its exports) is narrowed to."""

    site: Site | None = None
    core_area: int | None = None
    kind: str = ""
    agency: int | None = None
    person: int | None = None
    engagement: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "-date"


def activities_for(user: User, filters: ActivityFilters) -> QuerySet[Activity]:
    """Activities ``user`` may see, filtered and sorted, rows' details loaded up front."""
    qs = Activity.objects.for_user(user)
    if filters.site is not None:
        qs = qs.filter(site=filters.site)
    if filters.core_area:
        qs = qs.filter(core_areas=filters.core_area)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.agency:
        qs = qs.filter(agencies=filters.agency)
    if filters.person:
        qs = qs.filter(logged_by=filters.person)
    if filters.engagement:
        qs = qs.filter(engagement=filters.engagement)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.core_area or filters.agency:
        # Filtering across a many-to-many relation can repeat rows; a subquery keeps each
        # activity once without DISTINCT (which would fight ORDER BY on related columns).
        qs = Activity.objects.filter(pk__in=qs.values("pk"))
    order = ACTIVITY_SORTS.get(filters.sort, ACTIVITY_SORTS["-date"])
    return qs.with_details().order_by(*order)


@dataclass
class TimelineEntry:
    """One dated row of a site's timeline: an activity, a peer exchange or a milestone."""

    date: dt.date
    kind: str  # "activity" | "exchange" | "milestone"
    obj: Any


def site_timeline(site: Site, page_number: Any) -> tuple[Page[Activity], list[TimelineEntry]]:
    """A page of the site's activities, newest first, with the peer exchanges and milestones
    that fall in the same span of dates woven in. Constant queries whatever the page."""
    activities = Activity.objects.filter(site=site).with_details().order_by("-date", "-id")
    page = Paginator(activities, TIMELINE_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    entries = [TimelineEntry(a.date, "activity", a) for a in rows]
    # The span this page covers: from its oldest activity (or the beginning, on the last page)
    # up to its newest (or the end of time, on the first page).
    newest = None if page.number == 1 or not rows else rows[0].date
    oldest = None if not page.has_next() or not rows else rows[-1].date
    exchanges = PeerExchange.objects.for_site(site).select_related("host_site", "visiting_site")
    exchanges = exchanges.prefetch_related("core_areas")
    milestones = Milestone.objects.filter(site=site).filter(
        Q(completed_on__isnull=False) | Q(due_on__isnull=False)
    )
    if newest:
        exchanges = exchanges.filter(date__lte=newest)
        milestones = milestones.filter(
            Q(completed_on__lte=newest) | Q(completed_on__isnull=True, due_on__lte=newest)
        )
    if oldest:
        exchanges = exchanges.filter(date__gte=oldest)
        milestones = milestones.filter(
            Q(completed_on__gte=oldest) | Q(completed_on__isnull=True, due_on__gte=oldest)
        )
    entries += [TimelineEntry(x.date, "exchange", x) for x in exchanges]
    for m in milestones:
        when = m.completed_on or m.due_on
        assert when is not None  # the query keeps only milestones with one of the two dates
        entries.append(TimelineEntry(when, "milestone", m))
    order = {"milestone": 0, "exchange": 1, "activity": 2}
    entries.sort(key=lambda e: (e.date, -order[e.kind]), reverse=True)
    return page, entries


def recently_deleted(site: Site) -> list[Activity]:
    """The site's activities deleted in the last ``UNDO_DAYS`` days, which "Undo" can restore."""
    since = timezone.now() - dt.timedelta(days=UNDO_DAYS)
    return list(
        Activity.all_objects.filter(site=site, deleted_at__gte=since)
        .select_related("deleted_by")
        .order_by("-deleted_at")
    )


def site_plan(site: Site) -> list[Engagement]:
    """The site's engagements with recommendations, action items and activity counts."""
    return list(
        Engagement.objects.filter(site=site)
        .select_related("core_area", "lead")
        .annotate(
            activity_count=Count("activities", filter=LIVE_ACTIVITIES),
            last_activity=Max("activities__date", filter=LIVE_ACTIVITIES),
        )
        # One call per Prefetch: the stubs type a single call's lookups as one queryset type.
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("number"))
        )
        .prefetch_related(
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("recommendation").order_by(
                    "due_on", "id"
                ),
            )
        )
        .order_by("core_area__order")
    )


def site_panel(site: Site) -> dict[str, Any]:
    """What the engagements panel on a site's page shows, in a fixed number of queries."""
    today = timezone.localdate()
    engagements = list(
        Engagement.objects.filter(site=site)
        .select_related("core_area", "lead")
        .annotate(
            open_items=Count("action_items", filter=~Q(action_items__status="complete")),
            overdue_items=Count(
                "action_items",
                filter=~Q(action_items__status="complete") & Q(action_items__due_on__lt=today),
            ),
        )
        .order_by("core_area__order")
    )
    recent = list(
        Activity.objects.filter(site=site)
        .select_related("logged_by")
        .prefetch_related("core_areas")
        .order_by("-date", "-id")[:5]
    )
    overdue_milestones = list(Milestone.objects.filter(site=site).overdue(today))
    totals = Activity.objects.filter(site=site).aggregate(count=Count("id"), last=Max("date"))
    open_requests = TARequest.objects.filter(site=site, status__in=OPEN_TA_STATUSES).count()
    return {
        "engagements": engagements,
        "recent": recent,
        "overdue_milestones": overdue_milestones,
        "activity_count": totals["count"],
        "last_activity": totals["last"],
        "open_requests": open_requests,
        "today": today,
    }


def my_sites(user: User) -> QuerySet[Site]:
    """The sites a person works on: liaison memberships, or the sites a manager manages."""
    return (
        Site.objects.filter(
            Q(memberships__user=user, memberships__role=MembershipRole.LIAISON)
            | Q(program_manager=user)
        )
        .distinct()
        .select_related("cohort")
        .order_by("name")
    )


def my_work(user: User, today: dt.date | None = None) -> dict[str, Any]:
    """A liaison's week: their sites, this week's activities, overdue items, open requests."""
    today = today or timezone.localdate()
    week_start = today - dt.timedelta(days=today.weekday())
    week_end = week_start + dt.timedelta(days=6)
    sites = list(my_sites(user))
    site_ids = [s.pk for s in sites]
    activities = list(
        Activity.objects.filter(site__in=site_ids, date__gte=week_start, date__lte=week_end)
        .with_details()
        .order_by("-date", "-id")[:200]
    )
    overdue_items = list(
        ActionItem.objects.filter(engagement__site__in=site_ids)
        .overdue(today)
        .select_related("engagement__site", "engagement__core_area")
        .order_by("due_on", "id")[:200]
    )
    overdue_milestones = list(
        Milestone.objects.filter(site__in=site_ids)
        .overdue(today)
        .select_related("site")
        .order_by("due_on", "id")[:200]
    )
    requests = list(
        TARequest.objects.filter(site__in=site_ids, status__in=OPEN_TA_STATUSES)
        .select_related("site", "core_area", "requested_by")
        .order_by("submitted_at", "id")[:200]
    )
    follow_ups = list(
        PeerExchange.objects.filter(Q(host_site__in=site_ids) | Q(visiting_site__in=site_ids))
        .follow_up_overdue(today)
        .select_related("host_site", "visiting_site")[:50]
    )
    return {
        "sites": sites,
        "activities": activities,
        "week_start": week_start,
        "week_end": week_end,
        "overdue_items": overdue_items,
        "overdue_milestones": overdue_milestones,
        "requests": requests,
        "follow_ups": follow_ups,
        "today": today,
    }


def ta_requests_for_site(site: Site) -> QuerySet[TARequest]:
    return (
        TARequest.objects.filter(site=site)
        .select_related("core_area", "requested_by", "decided_by", "delivered_by")
        .order_by("-submitted_at", "-id")
    )


@dataclass
class Reassignment:
    """What moves from one person to another: read by the preview, applied by the service."""

    from_user: User
    to_user: User
    sites: list[Site] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    ta_requests: list[TARequest] = field(default_factory=list)
    follow_ups: list[PeerExchange] = field(default_factory=list)
    escalation: str | None = None  # why the receiver gains write access, if they do

    @property
    def is_empty(self) -> bool:
        return not self.sites


def _owned_by(user: User) -> Q:
    """Action items name their owner as text; the departing person is named by name or email."""
    names = {n for n in (user.full_name.strip(), user.email) if n}
    q = Q(pk__in=[])
    for name in names:
        q |= Q(owner__iexact=name)
    return q


def reassignment_plan(*, from_user: User, to_user: User, lock: bool = False) -> Reassignment:
    """Everything of ``from_user``'s liaison sites that would move to ``to_user``: the
    sites themselves, the engagements they lead, open action items they own, open TA requests
    they submitted and peer-exchange follow-ups still waiting on them."""
    memberships = SiteMembership.objects.filter(user=from_user, role=MembershipRole.LIAISON)
    if lock:
        memberships = memberships.select_for_update()
    site_ids = list(memberships.values_list("site_id", flat=True))
    plan = Reassignment(from_user=from_user, to_user=to_user)
    plan.sites = list(Site.objects.filter(pk__in=site_ids).order_by("name"))
    plan.engagements = list(
        Engagement.objects.filter(site_id__in=site_ids, lead=from_user).select_related(
            "site", "core_area"
        )
    )
    plan.action_items = list(
        ActionItem.objects.open()
        .filter(_owned_by(from_user), engagement__site_id__in=site_ids)
        .select_related("engagement__site")
    )
    plan.ta_requests = list(
        TARequest.objects.open()
        .filter(site_id__in=site_ids, requested_by=from_user)
        .select_related("site", "core_area")
    )
    plan.follow_ups = list(
        PeerExchange.objects.filter(
            Q(host_site_id__in=site_ids) | Q(visiting_site_id__in=site_ids),
            recorded_by=from_user,
            practice_adopted=PracticeAdopted.UNKNOWN,
        ).select_related("host_site", "visiting_site")
    )
    plan.escalation = read_only_reason(to_user)
    return plan


def membership_history(person: User, limit: int = 30) -> list[Any]:
    """The person's membership changes (added, removed), newest first, with who made them."""
    return list(
        SiteMembership.history.filter(user_id=person.pk)
        .select_related("history_user", "site")
        .order_by("-history_date", "-history_id")[:limit]
    )


def requests_serving(
    *,
    action_item: ActionItem | None = None,
    recommendation: Recommendation | None = None,
    milestone: Milestone | None = None,
) -> list[TARequest]:
    """TA requests that serve a record: an action item, a recommendation (directly or through
    one of its action items) or a milestone, oldest first."""
    qs = TARequest.objects.select_related("core_area", "requested_by", "delivered_by")
    if action_item is not None:
        qs = qs.filter(action_item=action_item)
    elif recommendation is not None:
        qs = qs.filter(
            Q(recommendation=recommendation) | Q(action_item__recommendation=recommendation)
        )
    elif milestone is not None:
        qs = qs.filter(milestone=milestone)
    else:
        return []
    return list(qs.order_by("submitted_at", "id"))


def activities_delivering(requests: list[TARequest]) -> list[Activity]:
    """The (not deleted) activities that delivered ``requests``, newest first."""
    ids = [r.delivered_by_id for r in requests if r.delivered_by_id]
    return list(Activity.objects.filter(pk__in=ids).with_details().order_by("-date", "-id"))


def requests_delivered_by(activity: Activity) -> list[TARequest]:
    """The TA requests ``activity`` delivered, with what each one serves."""
    return list(
        TARequest.objects.filter(delivered_by=activity)
        .select_related(
            "core_area", "engagement__core_area", "recommendation", "action_item", "milestone"
        )
        .order_by("id")
    )
