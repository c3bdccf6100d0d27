"""The engagements app's panel on a site's page (an inclusion tag owned by this app)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("engagements/_site_panel.html", takes_context=True)
def engagements_site_panel(context: dict[str, Any], site: Any) -> dict[str, Any]:
    """Context for the panel: the site, the user and what they may do there."""
    return {"site": site, "user": context["user"], "actions": context.get("actions", set())}
