"""Project-wide views with no domain knowledge."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from psp.core.health import check_broker, check_database, check_workers


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no broker, no details — cheap enough that
    anyone may poll it (docs/reliability.md §3)."""
    return JsonResponse({"status": "ok"})


READINESS_CACHE_KEY = "psp:readiness"
READINESS_CACHE_SECONDS = 5


def _may_see_readiness(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and (getattr(user, "is_psp_admin", False) or user.is_staff):
        return True
    token = settings.PSP_READINESS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def readiness_report() -> tuple[dict[str, object], int]:
    """Each dependency's status, cached for a few seconds so that polling cannot multiply the
    probes (a worker ping takes about a second)."""
    cached = cache.get(READINESS_CACHE_KEY)
    if cached is not None:
        return cached["body"], cached["status"]
    parts = {"database": check_database(), "broker": check_broker()}
    parts["workers"] = check_workers() if parts["broker"]["ok"] else {"ok": False, "count": 0}
    failing = [name for name in ("database", "broker") if not parts[name]["ok"]]
    body: dict[str, object] = {
        "status": "ok" if not failing else "unhealthy",
        "failing": failing,
        **parts,
    }
    status = 503 if failing else 200
    cache.set(READINESS_CACHE_KEY, {"body": body, "status": status}, READINESS_CACHE_SECONDS)
    return body, status


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker and workers, 200 or 503 naming what failed. For PSP
    administrators, Django staff, or a request bearing ``PSP_READINESS_TOKEN``; to anyone else
    the page does not exist."""
    if not _may_see_readiness(request):
        raise Http404
    body, status = readiness_report()
    return JsonResponse(body, status=status)
