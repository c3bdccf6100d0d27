"""``{% watch_button site %}`` / ``{% watch_button ta_request %}``: the Watch toggle (one query)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from notifications.services.people import is_watching

register = template.Library()


@register.inclusion_tag("notifications/_watch.html", takes_context=True)
def watch_button(context: Any, obj: Any) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    if obj._meta.label_lower == "sites.site":
        action = reverse("notifications:site_watch", args=[obj.slug])
        watching = is_watching(user, site=obj)
        what = obj.name
    else:
        action = reverse("notifications:ta_request_watch", args=[obj.pk])
        watching = is_watching(user, ta_request=obj)
        what = f"TA request #{obj.pk}"
    return {
        "csrf_token": context.get("csrf_token"),
        "action": action,
        "watching": watching,
        "what": what,
        "next": request.get_full_path(),
    }
