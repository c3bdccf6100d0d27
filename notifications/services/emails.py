"""The email of a notification: subject, plain text and HTML (USWDS colours, no images, no
tracking), and the signed one-click unsubscribe link of its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.models import Kind

UNSUBSCRIBE_SALT = "notifications.unsubscribe.v1"


def absolute(path: str) -> str:
    """``path`` on the site's public address (``PSP_BASE_URL``), for links in email."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.PSP_BASE_URL.rstrip("/") + path


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed token that turns off exactly one kind for exactly one person, and nothing else."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """``(user id, kind)`` of a genuine token; ``None`` for anything altered or made up."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in Kind.values:
        return None
    if not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def unsubscribe_url(user_id: int, kind: str) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, kind)]))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def render(
    *,
    user_id: int,
    name: str,
    kind: str,
    title: str,
    body: str,
    url: str,
    extra: dict[str, Any] | None = None,
) -> Rendered:
    unsubscribe = unsubscribe_url(user_id, kind)
    context = {
        "name": name,
        "kind_label": Kind(kind).label,
        "title": title,
        "body": body,
        "url": absolute(url),
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("notifications:preferences")),
        **(extra or {}),
    }
    template = "digest" if kind == Kind.WEEKLY_DIGEST else "notification"
    return Rendered(
        subject=f"[PSP Portfolio] {title}"[:300],
        text=render_to_string(f"notifications/email/{template}.txt", context),
        html=render_to_string(f"notifications/email/{template}.html", context),
        unsubscribe_url=unsubscribe,
    )
