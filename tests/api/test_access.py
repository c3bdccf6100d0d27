"""Every API route × every role against the demo portfolio: the status each one gets, and that
no list or detail ever shows an object of a site outside the person's scope (docs/design.md §3).

The routes are taken from the URL resolver, so a new route fails
``test_every_api_route_is_walked`` until it has a row here. Who sees which site comes from the
demo's own membership table (``psp/demo/data.py``), not from the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model, Q
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, TokenScope
from api.services import api_token_create
from engagements.models import (
    ActionItem,
    Activity,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
)
from metrics.models import DataQualityFlag, Incident, MetricResult, MonthlyCount, Upload
from psp.accounts.models import User
from psp.demo.data import MEMBERSHIPS, USERS
from sites.models import Cohort, Site

pytestmark = pytest.mark.django_db

EMAILS = {key: email for key, email, *_ in USERS}
PEOPLE = {"admin": "admin", "staff": "pm1", "auditor": "auditor", "liaison": "liaison"}
PEOPLE["partner"] = "partner"
ROLES = ["anonymous", "admin", "staff", "auditor", "liaison", "partner", "revoked", "expired"]
SIGNED_OUT = {"anonymous", "revoked", "expired"}


def visible_slugs(role: str) -> set[str]:
    """The sites ``role`` may see, by the design's table: staff-wide roles all, members theirs."""
    if role in ("admin", "staff", "auditor"):
        return set(Site.objects.values_list("slug", flat=True))
    return {slug for key, slug, _ in MEMBERSHIPS if key == PEOPLE[role]}


def client_for(role: str, scope: str = TokenScope.WRITE) -> APIClient:
    client = APIClient()
    if role == "anonymous":
        return client
    owner = User.objects.get(email=EMAILS[PEOPLE.get(role, "admin")])
    new = api_token_create(acting_user=owner, name=f"{role} {scope}", scope=scope, days=30)
    if role == "revoked":
        ApiToken.objects.filter(pk=new.token.pk).update(revoked_at=timezone.now())
    if role == "expired":
        ApiToken.objects.filter(pk=new.token.pk).update(
            created_at=timezone.now() - dt.timedelta(days=40),
            expires_at=timezone.now() - dt.timedelta(days=10),
        )
    client.credentials(HTTP_AUTHORIZATION=f"Token {new.key}")
    return client


# basename → (model, lookup of the site slug from the model, detail key, result → site slugs)
def _site_of(row: dict[str, Any]) -> set[str]:
    return {row["site"]}


RESOURCES: dict[str, tuple[type[Model], str, str, Callable[[dict[str, Any]], set[str]]]] = {
    "site": (Site, "slug", "slug", lambda r: {r["slug"]}),
    "engagement": (Engagement, "site__slug", "pk", _site_of),
    "recommendation": (Recommendation, "engagement__site__slug", "pk", _site_of),
    "action-item": (ActionItem, "engagement__site__slug", "pk", _site_of),
    "milestone": (Milestone, "site__slug", "pk", _site_of),
    "activity": (Activity, "site__slug", "pk", _site_of),
    "ta-request": (TARequest, "site__slug", "pk", _site_of),
    "peer-exchange": (
        PeerExchange,
        "host_site__slug",  # or the visiting site: see _scope_q
        "pk",
        lambda r: {r["host_site"], r["visiting_site"]},
    ),
    "monthly-count": (MonthlyCount, "site__slug", "pk", _site_of),
    "incident": (Incident, "site__slug", "pk", _site_of),
    "data-quality-flag": (DataQualityFlag, "site__slug", "pk", _site_of),
    "upload": (Upload, "site__slug", "pk", _site_of),
    "metric-result": (MetricResult, "site__slug", "site_slug", _site_of),
}
PATHS = {
    "site": "sites",
    "cohort": "cohorts",
    "engagement": "engagements",
    "recommendation": "recommendations",
    "action-item": "action-items",
    "milestone": "milestones",
    "activity": "activities",
    "ta-request": "ta-requests",
    "peer-exchange": "peer-exchanges",
    "monthly-count": "monthly-counts",
    "incident": "incidents",
    "data-quality-flag": "data-quality-flags",
    "upload": "uploads",
    "metric-result": "metric-results",
}
WRITES = {"activity-list", "ta-request-list", "upload-list", "action-item-detail"}
WRITES |= {"upload-confirm"}
OTHER_ROUTES = {"schema", "docs", "tokens", "token_revoke"}


def _scope_q(basename: str, slugs: set[str]) -> Q:
    model, path, *_ = RESOURCES[basename]
    if model is PeerExchange:
        return Q(host_site__slug__in=slugs) | Q(visiting_site__slug__in=slugs)
    return Q(**{f"{path}__in": slugs})


def api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "api" and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns, None)
    return names


@pytest.fixture
def seeded(demo_seed, db):
    """The demo portfolio, seeded once per run (``demo_seed`` in tests/conftest.py)."""


def test_every_api_route_is_walked():
    walked = {f"{b}-list" for b in PATHS} | {f"{b}-detail" for b in PATHS}
    walked |= {"upload-confirm"} | OTHER_ROUTES
    assert api_route_names() == walked


# One test per resource walking every role: the demo seed's per-test rollback costs more than
# the requests, so fewer, larger tests keep the walk quick.
@pytest.mark.parametrize("basename", sorted(PATHS))
def test_list_shows_exactly_the_roles_sites(seeded, basename):
    for role in ROLES:
        _check_list(basename, role)


def _check_list(basename: str, role: str) -> None:
    path = f"/api/{PATHS[basename]}/"
    response = client_for(role).get(path, {"page_size": 500})
    if role in SIGNED_OUT:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    body = response.json()
    rows = body if isinstance(body, list) else body["results"]
    slugs = visible_slugs(role)
    if basename == "cohort":
        years = set(Site.objects.filter(slug__in=slugs).values_list("cohort__year", flat=True))
        assert {r["year"] for r in rows} == years
        return
    for row in rows:
        assert RESOURCES[basename][3](row) & slugs, (basename, role, row)
    model = RESOURCES[basename][0]
    expected = model._default_manager.filter(_scope_q(basename, slugs)).count()
    if "count" in body:
        assert body["count"] == expected
    else:  # the cursor-paged incidents: the first page is full, or holds every visible one
        assert len(rows) == min(expected, 500)
    assert expected > 0 or basename in ("data-quality-flag", "upload"), basename


def _object(basename: str, slugs: set[str], inside: bool) -> str | None:
    """A detail key of an object of the role's sites (``inside``) or of no site of theirs."""
    if basename == "cohort":
        years = set(Site.objects.filter(slug__in=slugs).values_list("cohort__year", flat=True))
        cohorts = (
            Cohort.objects.filter(year__in=years)
            if inside
            else Cohort.objects.exclude(year__in=years)
        )
        first = cohorts.first()
        return None if first is None else str(first.year)
    model, _path, key, _ = RESOURCES[basename]
    q = _scope_q(basename, slugs)
    qs = model._default_manager.filter(q) if inside else model._default_manager.exclude(q)
    obj: Any = qs.order_by("pk").first()
    if obj is None:
        return None
    if key == "slug":
        return str(obj.slug)
    if key == "site_slug":
        return str(obj.site.slug)
    return str(obj.pk)


@pytest.mark.parametrize("basename", sorted(PATHS))
def test_detail_is_404_outside_the_roles_sites(seeded, basename):
    for role in ROLES:
        _check_detail(basename, role)


def _check_detail(basename: str, role: str) -> None:
    client = client_for(role)
    slugs = visible_slugs("admin" if role in SIGNED_OUT else role)
    checked = 0
    for inside in (True, False):
        key = _object(basename, slugs, inside)
        if key is None:
            continue
        checked += 1
        response = client.get(f"/api/{PATHS[basename]}/{key}/")
        if role in SIGNED_OUT:
            assert response.status_code == 401
            continue
        assert response.status_code == (200 if inside else 404), (basename, role, inside)
        if inside and basename not in ("cohort", "metric-result"):
            assert RESOURCES[basename][3](response.json()) & slugs
        if inside and basename == "metric-result":
            assert response.json()["site"] in slugs
    assert checked or basename in ("data-quality-flag", "upload")


def _writable_site(role: str) -> Site:
    """A site of the role that takes new work (alumni and withdrawn sites are read-only)."""
    slugs = visible_slugs("liaison" if role in ("admin", "staff", "auditor") else role)
    site = Site.objects.filter(slug__in=slugs).exclude(phase__in=["alumni", "withdrawn"]).first()
    assert site is not None
    return site


def _foreign_site(role: str) -> Site | None:
    return Site.objects.exclude(slug__in=visible_slugs(role)).first()


_files = iter(range(1, 10_000))


def _counts_file() -> SimpleUploadedFile:
    """A small clean monthly-counts file, different each time (the same file twice is refused)."""
    n = next(_files)
    return SimpleUploadedFile(
        f"walk{n}.csv", f"month,offense,count\n2020-01,robbery,{n}\n".encode()
    )


def _write(client: APIClient, route: str, site: Site) -> Any:
    if route == "activity-list":
        body = {
            "site": site.slug,
            "kind": "site_visit",
            "duration_hours": "2",
            "mode": "onsite",
            "core_areas": ["gun_violence"],
            "summary": "Access walk.",
        }
        return client.post("/api/activities/", body, format="json")
    if route == "ta-request-list":
        body = {"site": site.slug, "core_area": "technology", "need": "Access walk."}
        return client.post("/api/ta-requests/", body, format="json")
    if route == "action-item-detail":
        item = ActionItem.objects.filter(engagement__site=site).order_by("pk").first()
        assert item is not None
        return client.patch(f"/api/action-items/{item.pk}/", {"status": "lagging"}, format="json")
    if route == "upload-list":
        body = {"site": site.slug, "kind": "monthly_counts", "file": _counts_file()}
        return client.post("/api/uploads/", body, format="multipart")
    assert route == "upload-confirm"
    admin = User.objects.get(email=EMAILS["admin"])
    from metrics.services import upload_receive

    upload = upload_receive(
        site=site, kind="monthly_counts", file=_counts_file(), acting_user=admin
    )
    return client.post(f"/api/uploads/{upload.pk}/confirm/")


# Who may do each write on a site they see (docs/design.md §3); anyone else there gets 403.
MAY_WRITE = {
    "activity-list": {"admin", "staff", "liaison"},
    "ta-request-list": {"admin", "staff", "liaison", "partner"},
    "action-item-detail": {"admin", "staff", "liaison"},
    "upload-list": {"admin", "staff", "liaison"},
    "upload-confirm": {"admin", "staff", "liaison"},
}
SUCCESS = {"activity-list": 201, "ta-request-list": 201, "upload-list": 201}
SUCCESS |= {"action-item-detail": 200, "upload-confirm": 202}


@pytest.mark.parametrize("route", sorted(WRITES))
def test_writes_by_role(seeded, route, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.PSP_UPLOAD_DIR = tmp_path
    read_only = client_for("liaison", scope=TokenScope.READ)
    assert _write(read_only, route, _writable_site("liaison")).status_code == 403
    for role in ROLES:
        client = client_for(role)
        site = _writable_site("admin" if role in SIGNED_OUT else role)
        with django_capture_on_commit_callbacks(execute=False):
            response = _write(client, route, site)
        if role in SIGNED_OUT:
            assert response.status_code == 401
            continue
        expected = SUCCESS[route] if role in MAY_WRITE[route] else 403
        assert response.status_code == expected, (route, role, response.content[:300])
        foreign = _foreign_site(role)
        if foreign is not None and not foreign.is_read_only:
            assert _write(client, route, foreign).status_code == 404, (route, role)


def test_schema_and_docs_need_sign_in(seeded):
    for role in ROLES:
        client = client_for(role)
        for path in ("/api/schema/", "/api/docs/", "/api/docs/?script="):
            expected = 401 if role in SIGNED_OUT else 200
            assert client.get(path).status_code == expected, (path, role)
