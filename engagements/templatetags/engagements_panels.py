"""The engagements app's panel on a site's page (an inclusion tag owned by this app)."""

from __future__ import annotations

import uuid
from typing import Any

from django import template

from engagements import selectors

register = template.Library()


@register.inclusion_tag("engagements/_site_panel.html", takes_context=True)
def engagements_site_panel(context: dict[str, Any], site: Any) -> dict[str, Any]:
    """Context for the panel: the site's plan at a glance, in a fixed number of queries."""
    return {
        "site": site,
        "user": context["user"],
        "actions": context.get("actions", set()),
        **selectors.site_panel(site),
    }


@register.simple_tag
def one_time_token() -> str:
    """A fresh token for a form that must act once per click ("Log again"; issue 16)."""
    return str(uuid.uuid4())
