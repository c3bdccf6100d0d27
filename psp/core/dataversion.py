"""A data version for read-side caches: a number that changes whenever a table the portfolio
pages read is written — by any path: services, the admin, ``COPY`` imports, ``bulk_create``,
``QuerySet.update``, raw SQL, management commands.

PostgreSQL keeps it (migrations ``0053_data_version_triggers``, ``0054_more_watched_tables``,
``0057_population_by_year_watched``). A
statement trigger on each watched table takes a shared transaction-level advisory lock, then
advances the sequence ``psp_data_version``; the lock is released only after the transaction's
rows are visible (or rolled back). :func:`current` calls ``psp_current_data_version()`` (migration
0053), which reads the sequence first, then looks for that lock: when a write is in flight
(in any session, this one included) the version is unknown, and the caller computes afresh
without storing. Otherwise every write numbered up to the value read is already visible, and a
later write gets a higher number — so an answer cached under a version is never older than the
data of that version. Writers never wait for each other (a sequence and a shared lock); a long
import or recompute only means no caching until it commits.

Other databases (SQLite in development and the default test run) have no version: callers then
never cache. A table a cached page starts to read needs the trigger too (a migration);
``tests/dashboards/test_cached_pages.py`` checks the pages' SQL against the triggers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from psp.accounts.http import AuthenticatedHttpRequest
    from psp.accounts.models import User

T = TypeVar("T")

# What a cached page body holds in place of the session's CSRF token (filled in per request).
CSRF_PLACEHOLDER = "psp-csrf-token-filled-per-request"

# How long an unused cached answer is kept: it is never served once the version moves on, so
# this only bounds memory.
CACHE_SECONDS = 3600


def current() -> int | None:
    """The data version, or None when no cached answer may be used or stored (not PostgreSQL,
    or a write to a watched table not yet committed). One small query."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        # Reads the sequence, then looks for the lock (in that order; migration 0053).
        cur.execute("SELECT psp_current_data_version()")
        (value,) = cur.fetchone()
    return None if value is None else int(value)


def scope(user: User) -> str:
    """Who a cached page is for: every staff-wide user sees the same sites; anyone else their
    own (memberships are watched, so a change of membership changes the version)."""
    return "all" if user.sees_all_sites else f"user-{user.pk}"


def cache_key(name: str, user: User, *parts: object) -> str | None:
    """A cache key for ``name`` as ``user`` sees it at the current data version, or None when
    the answer must be computed afresh and not stored."""
    version = current()
    if version is None:
        return None
    tail = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"psp-dv:{name}:{version}:{scope(user)}:{tail}"


def cached(name: str, user: User, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``user`` at this data version (``parts`` being
    everything else the answer depends on, e.g. the day and the query string)."""
    key = cache_key(name, user, *parts)
    value = cache.get(key) if key else None
    if value is None:
        value = compute()
        if key:
            cache.set(key, value, CACHE_SECONDS)
    return value


def cached_html(
    name: str,
    request: AuthenticatedHttpRequest,
    parts: tuple[object, ...],
    template: str,
    context: Callable[[], dict[str, Any]],
) -> SafeString:
    """``template`` rendered with ``context()`` for ``request``, or its rendering for the same
    user scope, ``parts`` and data version. ``parts`` must hold everything else the body depends
    on (the day, the query string, what the user may do). The CSRF token differs per session:
    the stored body carries a placeholder and each response gets its own token."""

    def render() -> str:
        return render_to_string(template, {**context(), "csrf_token": CSRF_PLACEHOLDER}, request)

    body = cached(name, request.user, parts, render)
    return mark_safe(body.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 (our template)


_watched: frozenset[str] | None = None
_TABLES_READ = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


def watched_tables() -> frozenset[str]:
    """The tables whose writes move the data version (those with the trigger; PostgreSQL only),
    read once per process: the set changes only with a migration, hence a deployment."""
    global _watched
    if _watched is None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'psp_data_version'"
            )
            _watched = frozenset(row[0] for row in cur.fetchall())
    return _watched


def cached_count(name: str, user: User, queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, or its value for ``user``'s scope at this data version (keyed by the
    query's SQL and parameters, so every filter counts apart) — only when
    every table the count reads is watched (a count over an unwatched table could not know it
    went stale, so it is counted afresh each time)."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # a filter no row can match (``?cohort=-256``): nothing to count
        return 0
    key = cache_key(name, user, sql, *params)
    if key is None:
        return queryset.count()
    read = set(_TABLES_READ.findall(sql))
    if not read or not read <= watched_tables():
        return queryset.count()
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, CACHE_SECONDS)
    return int(count)
