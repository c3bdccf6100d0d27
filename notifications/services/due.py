"""Time-based notifications, written by the hourly task for one day: milestones and action
items overdue, peer exchanges' 90-day follow-ups due, monthly data due in 5 days and overdue.

Each is written once: the period of an overdue item is its due date, of data its month, so
running the task again the same day (or every hour) finds them written and adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from engagements.models import ActionItem, Milestone, PeerExchange
from metrics.selectors.reporting import reporting_status
from notifications.models import Kind
from notifications.services import recipients as who
from notifications.services.notify import Planned, notify
from sites.models import Site

DUE_SOON_DAYS = 5
# Data overdue is told while the month is recent; a site that never reported is the portfolio's
# concern, not 30 emails the day this feature is switched on.
DATA_OVERDUE_WINDOW = dt.timedelta(days=45)


def notifications_due(day: dt.date, *, dry_run: bool = False) -> list[Planned]:
    out: list[Planned] = []
    milestones = Milestone.objects.overdue(day).select_related("site")
    for m in milestones.filter(site__phase__in=_active_phases()):
        out += notify(
            kind=Kind.MILESTONE_OVERDUE,
            recipients=who.liaisons(m.site),
            site=m.site,
            obj=m,
            period=str(m.due_on),
            title=f"Milestone overdue at {m.site.name}: {m.title} (due {m.due_on:%b %-d, %Y})",
            url=reverse("engagements:milestone", args=[m.pk]),
            dry_run=dry_run,
        )
    items = ActionItem.objects.overdue(day).select_related("engagement__site")
    for a in items.filter(engagement__site__phase__in=_active_phases()):
        site = a.engagement.site
        out += notify(
            kind=Kind.ACTION_ITEM_OVERDUE,
            recipients=who.liaisons(site),
            site=site,
            obj=a,
            period=str(a.due_on),
            title=f"Action item overdue at {site.name}: {a.title[:120]} "
            f"(due {a.due_on:%b %-d, %Y})",
            url=reverse("engagements:action_item", args=[a.pk]),
            dry_run=dry_run,
        )
    exchanges = PeerExchange.objects.filter(
        practice_adopted="unknown", follow_up_due__lte=day + dt.timedelta(days=DUE_SOON_DAYS)
    ).select_related("visiting_site", "host_site")
    for x in exchanges:
        site = x.visiting_site
        out += notify(
            kind=Kind.FOLLOW_UP_DUE,
            recipients=who.liaisons(site),
            site=site,
            obj=x,
            period=x.follow_up_due.isoformat(),
            title=f"Peer exchange follow-up due {x.follow_up_due:%b %-d, %Y} for {site.name}: "
            f"{x.topic} (hosted by {x.host_site.name})",
            url=reverse("engagements:peer_exchange", args=[x.pk]),
            dry_run=dry_run,
        )
    out += _data_due(day, dry_run)
    return out


def _active_phases() -> list[str]:
    from sites.models import READ_ONLY_PHASES, Phase

    return [p.value for p in Phase if p.value not in READ_ONLY_PHASES]


def _data_due(day: dt.date, dry_run: bool) -> list[Planned]:
    sites = list(Site.objects.filter(phase__in=_active_phases()))
    out: list[Planned] = []
    told: set[tuple[int, dt.date, str]] = set()
    for row in reporting_status(sites, as_of=day):
        if not row.expected or row.received_on is not None:
            continue
        if row.state == "not_due" and row.due_on - day <= dt.timedelta(days=DUE_SOON_DAYS):
            kind = Kind.DATA_DUE_SOON
        elif row.state == "missing" and day - row.due_on <= DATA_OVERDUE_WINDOW:
            kind = Kind.DATA_OVERDUE
        else:
            continue
        if (row.site.pk, row.month, kind) in told:
            continue  # one notice per site and month, whatever the number of offenses
        told.add((row.site.pk, row.month, kind))
        label = f"{row.month:%B %Y}"
        title = (
            f"{row.site.name}: {label} data due {row.due_on:%b %-d, %Y}"
            if kind == Kind.DATA_DUE_SOON
            else f"{row.site.name}: {label} data overdue (due {row.due_on:%b %-d, %Y})"
        )
        out += notify(
            kind=kind,
            recipients=who.liaisons(row.site),
            site=row.site,
            obj=row.site,
            period=row.month.isoformat(),
            title=title,
            url=reverse("metrics:data", args=[row.site.slug]),
            dry_run=dry_run,
        )
    return out
