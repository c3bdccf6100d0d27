"""The weekly digest: on Monday morning in each person's own time zone, the sites needing
attention (the portfolio's flags) and the notifications they chose to receive in the digest.

Program managers (BJA staff) get it by default; anyone with a kind set to "weekly digest"
gets it too. One per person per ISO week: the notification's period is the week.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dashboards.selectors.portfolio import PortfolioRow, all_portfolio_rows
from notifications.models import Channel, DigestSetting, Kind, Notification, Preference
from notifications.services import emails
from notifications.services.notify import Planned, notify
from notifications.services.recipients import channels
from psp.accounts.models import StaffRole, User
from sites.models import Site

DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR = 7  # local time, the first hourly run from 07:00


def time_zone_of(user: User) -> str:
    """The user's chosen zone, else their first site's (managed or member), else the project's."""
    setting = DigestSetting.objects.filter(user=user).first()
    if setting is not None:
        return setting.time_zone
    site = (
        Site.objects.filter(Q(program_manager=user) | Q(memberships__user=user))
        .order_by("name")
        .first()
    )
    return site.local_time_zone if site is not None else settings.TIME_ZONE


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Digest:
    rows: list[PortfolioRow]
    items: list[Notification]


def digest_for(user: User, today: dt.date, now: dt.datetime | None = None) -> Digest:
    rows = [r for r in all_portfolio_rows(user, today) if r.flags]
    managed = [r for r in rows if r.site.program_manager_id == user.pk]
    since = (now or timezone.now()) - dt.timedelta(days=7)
    items = list(
        Notification.objects.filter(recipient=user, channel=Channel.DIGEST, created_at__gte=since)
        .exclude(kind=Kind.WEEKLY_DIGEST)
        .order_by("-created_at")[:50]
    )
    return Digest(rows=managed or rows, items=items)


def candidates() -> list[User]:
    digest_users = Preference.objects.filter(channel=Channel.DIGEST).values("user_id")
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role=StaffRole.BJA_STAFF) | Q(pk__in=digest_users))
        .order_by("pk")
    )


def weekly_digests(now: dt.datetime | None = None, *, dry_run: bool = False) -> list[Planned]:
    """Write the digest of everyone for whom it is now Monday, 07:00 or later, this week."""
    now = now or timezone.now()
    out: list[Planned] = []
    for user in candidates():
        local = now.astimezone(zoneinfo.ZoneInfo(time_zone_of(user)))
        if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
            continue
        if channels(user)[Kind.WEEKLY_DIGEST] == Channel.OFF:
            continue
        already = Notification.objects.filter(
            recipient=user, kind=Kind.WEEKLY_DIGEST, period=week_of(local.date())
        )
        if already.exists():  # the later hourly runs of Monday: no portfolio to compute
            continue
        out += send_digest(user, local.date(), now=now, dry_run=dry_run)
    return out


def send_digest(
    user: User, today: dt.date, *, now: dt.datetime | None = None, dry_run: bool = False
) -> list[Planned]:
    digest = digest_for(user, today, now)
    if not digest.rows and not digest.items:
        return []
    title = f"Weekly digest, week of {today:%b %-d, %Y}: {len(digest.rows)} sites need attention"
    lines = [f"{r.site.name}: {', '.join(label for _, label in r.flags)}" for r in digest.rows]
    lines += [f"{n.title}" for n in digest.items]
    about: dict[str, Any] = {
        "kind": Kind.WEEKLY_DIGEST,
        "recipients": [user],
        "site": None,
        "obj": user,
        "period": week_of(today),
        "title": title,
        "body": "\n".join(lines),
        "url": reverse("dashboards:portfolio"),
    }
    planned = notify(**about, dry_run=True)
    if dry_run or not planned:
        return planned
    # The digest's email carries the table; write the notification, then render it.
    created = notify(**about)
    for n in Notification.objects.filter(
        recipient=user, kind=Kind.WEEKLY_DIGEST, period=week_of(today), email__isnull=False
    ):
        rendered = emails.render(
            user_id=user.pk,
            name=user.get_short_name(),
            kind=Kind.WEEKLY_DIGEST,
            title=title,
            body=n.body,
            url=n.url,
            extra={
                "rows": [
                    {
                        "name": r.site.name,
                        "url": emails.absolute(r.site.get_absolute_url()),
                        "flags": [label for _, label in r.flags],
                    }
                    for r in digest.rows
                ],
                "items": [{"title": i.title, "url": emails.absolute(i.url)} for i in digest.items],
            },
        )
        n.email.body_text, n.email.body_html = rendered.text, rendered.html
        n.email.save(update_fields=["body_text", "body_html"])
    return created
