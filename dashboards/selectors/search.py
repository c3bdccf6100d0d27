"""One search box over everything a person may see (issue 16): sites, people, agencies,
activities, TA requests, recommendations, action items and documents, ranked, each hit with its
kind. PostgreSQL ranks with full-text search (``SearchVector``/``SearchRank``): every kind's
fields have a GIN index on exactly the vector filtered on here (engagements 0007 and 0008, sites
0004, built by psp/core/fulltext.py), and only the newest ``CANDIDATES`` matches of a kind are
ranked, so a word found in 100,000 activities costs no more than a rare one (issue 16,
acceptance 4: ≤ 100 ms p95 at reference scale). Other databases fall back to matching every
word in the same fields, ranked by how many fields match.

Every kind starts from its scoped queryset (``for_user``), so a hit outside the person's scope
cannot appear; people are the exception with no ``for_user``: staff-wide roles find everyone,
others the people who share one of their sites.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse

from engagements.models import (
    ActionItem,
    Activity,
    Attachment,
    Recommendation,
    TARequest,
)
from psp.accounts.models import User
from psp.core.fulltext import CONFIG
from sites.models import Agency, Site
from sites.selectors import people_with_roles, person_label

MIN_QUERY = 2
MAX_QUERY = 200
PER_KIND = 10
MAX_HITS = 40
CANDIDATES = 500  # newest matches of one kind that are ranked


@dataclass(frozen=True)
class Hit:
    """One result: its kind (as people say it), title, a line of context, where it lives."""

    kind: str
    title: str
    detail: str
    url: str
    rank: float
    pk: int = 0


@dataclass(frozen=True)
class Kind:
    """How to search one kind of record: its scoped rows, the fields to match (the first one
    counts double: names and titles), and how a row becomes a hit."""

    label: str
    rows: Callable[[User], QuerySet[Any]]
    fields: tuple[str, ...]
    hit: Callable[[Any, float, User], Hit]
    newest_first: tuple[str, ...] = ("-pk",)  # which matches are "the newest" to rank


def _people(user: User) -> QuerySet[User]:
    people = people_with_roles(User.objects.filter(is_active=True))
    if user.sees_all_sites:
        return people
    visible = Site.objects.for_user(user)
    return people.filter(Q(memberships__site__in=visible) | Q(managed_sites__in=visible)).distinct()


def _short(text: str, n: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


KINDS: tuple[Kind, ...] = (
    Kind(
        "Site",
        lambda u: Site.objects.for_user(u),
        ("name", "state", "summary"),
        lambda s, r, u: Hit(
            "Site", f"{s.name}, {s.state}", _short(s.summary), s.get_absolute_url(), r
        ),
    ),
    Kind(
        "Person",
        _people,
        ("full_name", "email", "title"),
        lambda p, r, u: Hit(
            "Person",
            person_label(p),
            ", ".join(x for x in (p.title, p.email) if x),
            # The person page is for administrators; others see the name and roles only.
            reverse("accounts:user_detail", args=[p.pk]) if u.is_psp_admin else "",
            r,
        ),
    ),
    Kind(
        "Agency",
        lambda u: Agency.objects.for_user(u).select_related("site"),
        ("name",),
        lambda a, r, u: Hit(
            "Agency",
            a.name,
            f"{a.get_kind_display()} · {a.site.name}",
            a.site.get_absolute_url(),
            r,
        ),
    ),
    Kind(
        "Activity",
        lambda u: Activity.objects.for_user(u).select_related("site"),
        ("summary",),
        lambda a, r, u: Hit(
            "Activity",
            f"{a} · {a.site.name}",
            _short(a.summary),
            reverse("engagements:activity", args=[a.pk]),
            r,
        ),
        newest_first=("-date", "-id"),
    ),
    Kind(
        "TA request",
        lambda u: TARequest.objects.for_user(u).select_related("site", "core_area"),
        ("need",),
        lambda t, r, u: Hit(
            "TA request",
            f"TA request #{t.pk}: {t.core_area.name} · {t.site.name}",
            _short(t.need),
            reverse("engagements:ta_request", args=[t.pk]),
            r,
        ),
    ),
    Kind(
        "Recommendation",
        lambda u: Recommendation.objects.for_user(u).select_related(
            "engagement__site", "engagement__core_area"
        ),
        ("text", "source"),
        lambda x, r, u: Hit(
            "Recommendation",
            f"Recommendation {x.number}: {x.engagement.core_area.name} · {x.engagement.site.name}",
            _short(x.text),
            reverse("engagements:recommendation", args=[x.pk]),
            r,
        ),
    ),
    Kind(
        "Action item",
        lambda u: ActionItem.objects.for_user(u).select_related("engagement__site"),
        ("title", "owner"),
        lambda x, r, u: Hit(
            "Action item",
            f"{x.title} · {x.engagement.site.name}",
            f"{x.get_status_display()}{' · ' + x.owner if x.owner else ''}",
            reverse("engagements:action_item", args=[x.pk]),
            r,
        ),
    ),
    Kind(
        "Document",
        lambda u: Attachment.objects.for_user(u).select_related("site"),
        ("title", "original_name"),
        lambda d, r, u: Hit(
            "Document",
            f"{d.title} · {d.site.name}",
            f"{d.get_kind_display()} · {d.original_name}",
            reverse("engagements:document_download", args=[d.pk]),
            r,
        ),
    ),
)


def _words(query: str) -> list[str]:
    return [w for w in query.split() if w][:10]


def _postgres(kind: Kind, rows: QuerySet[Any], query: str) -> Iterable[tuple[Any, float]]:
    # Every word must match; the last one as a prefix, so "shoot" finds "shootings" as people
    # type. The vector is the expression of the kind's GIN index (psp/core/fulltext.py).
    words = [_lexeme(w) for w in _words(query)]
    words = [w for w in words if w]
    if not words:
        return []
    raw = " & ".join(f"'{w}'" for w in words[:-1]) + (" & " if len(words) > 1 else "")
    raw += f"'{words[-1]}':*"
    tsquery = SearchQuery(raw, config=CONFIG, search_type="raw")
    vector = SearchVector(*kind.fields, config=CONFIG)
    # A word in every activity must not rank 100,000 rows: the index finds the matches, in
    # scope, and only the newest CANDIDATES of them are ranked (one query, a subquery).
    newest = (
        rows.annotate(psp_vector=vector)
        .filter(psp_vector=tsquery)
        .order_by(*kind.newest_first)
        .values("pk")[:CANDIDATES]
    )
    ranked = (
        rows.filter(pk__in=newest)
        .annotate(psp_rank=SearchRank(vector, tsquery))
        .order_by("-psp_rank", "-pk")[:PER_KIND]
    )
    return [(row, float(row.psp_rank)) for row in ranked]


def _lexeme(word: str) -> str:
    """A word safe inside a raw tsquery: letters and digits only (quotes and operators go)."""
    return "".join(c for c in word if c.isalnum()).lower()


def _fallback(kind: Kind, rows: QuerySet[Any], query: str) -> Iterable[tuple[Any, float]]:
    condition = Q()
    for word in _words(query):
        any_field = Q()
        for field in kind.fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    found = list(rows.filter(condition).order_by("-pk")[: PER_KIND * 3])
    scored = []
    for row in found:
        text = [str(getattr(row, f) or "").lower() for f in kind.fields]
        score = sum(
            (2.0 if i == 0 else 1.0) * sum(w.lower() in t for w in _words(query))
            for i, t in enumerate(text)
        )
        scored.append((row, score / 10))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:PER_KIND]


def search(user: User, query: str) -> list[Hit]:
    """What ``user`` may see that matches ``query``, best first (at most ``MAX_HITS``)."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    if len(query) < MIN_QUERY or not any(c.isalnum() for c in query):
        return []
    find = _postgres if connection.vendor == "postgresql" else _fallback
    hits: list[Hit] = []
    for kind in KINDS:
        for row, rank in find(kind, kind.rows(user), query):
            hits.append(replace(kind.hit(row, rank, user), pk=row.pk))
    hits.sort(key=lambda h: -h.rank)
    return hits[:MAX_HITS]
