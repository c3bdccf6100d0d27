"""Navigation shown in the header, chosen by the signed-in user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"label": "Portfolio", "url": reverse("dashboards:portfolio"), "key": "portfolio"}]
    items.append({"label": "My work", "url": reverse("engagements:my_work"), "key": "my_work"})
    items.append(
        {"label": "Core areas", "url": reverse("dashboards:core_areas"), "key": "core_areas"}
    )
    if user.sees_all_sites:
        items.append(
            {"label": "Workload", "url": reverse("dashboards:workload"), "key": "workload"}
        )
    if user.is_psp_admin:
        items.append({"label": "Onboard", "url": reverse("onboarding:onboard"), "key": "onboard"})
        items.append({"label": "Users", "url": reverse("accounts:user_list"), "key": "accounts"})
    if user.is_psp_admin and user.is_staff:
        items.append({"label": "Administration", "url": reverse("admin:index"), "key": "admin"})
    items.append({"label": "API tokens", "url": reverse("api:tokens"), "key": "api"})
    return {"nav_items": items}
