"""Project-wide views with no domain knowledge."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from psp.core.health import check_broker, check_database, check_workers


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each part's status when database and broker answer; 503 naming what failed."""
    parts = {"database": check_database(), "broker": check_broker()}
    parts["workers"] = check_workers() if parts["broker"]["ok"] else {"ok": False, "count": 0}
    failing = [name for name in ("database", "broker") if not parts[name]["ok"]]
    body = {"status": "ok" if not failing else "unhealthy", "failing": failing, **parts}
    return JsonResponse(body, status=503 if failing else 200)
