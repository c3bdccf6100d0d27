"""Every URL pattern × every role over the demo data, against the permission matrix
(``tests/core/url_matrix.py``). A URL without an entry fails, so does an entry for a URL that
no longer exists, and so does any answer the entry's rule does not allow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from psp.accounts.models import User
from tests.core.url_matrix import MATRIX, NAMESPACES_BY_RULE, ROLES, RULES, SITE, USERS


def url_patterns(
    resolver: URLResolver | None = None, namespace: str = "", keys: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The name of every URL pattern, with its namespaces (``app:name``), and its arguments."""
    for entry in (resolver or get_resolver()).url_patterns:
        own = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner, keys + own)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", keys + own


def covered(name: str) -> bool:
    return name in MATRIX or name.split(":", 1)[0] in NAMESPACES_BY_RULE


def test_every_url_pattern_has_an_entry_in_the_permission_matrix():
    names = {name for name, _ in url_patterns()}
    missing = sorted(n for n in names if not covered(n))
    assert not missing, f"add these URL names to tests/core/url_matrix.py: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"these matrix entries name no URL any more: {stale}"
    assert all(rule in RULES for rule, _ in MATRIX.values())


def _kwargs(keys: tuple[str, ...], objects: dict[str, str]) -> dict[str, object]:
    kwargs: dict[str, object] = {}
    for key in keys:
        source = objects.get(key, "")
        if key == "format":  # DRF's suffix patterns (".json"): the plain pattern is checked
            continue
        if key == "slug":
            kwargs[key] = SITE
        elif "." in source:
            model = apps.get_model(source)
            fields = {f.name for f in model._meta.get_fields()}
            rows = model.objects.order_by("pk")
            if "site" in fields and rows.filter(site__slug=SITE).exists():
                rows = rows.filter(site__slug=SITE)
            elif "engagement" in fields and rows.filter(engagement__site__slug=SITE).exists():
                rows = rows.filter(engagement__site__slug=SITE)
            row = rows.first()
            if row is None:  # the demo data has none: an id that names nothing
                kwargs[key] = 999_999
            else:
                kwargs[key] = getattr(row, "code", None) if key == "code" else row.pk
        else:
            kwargs[key] = source or "x"
    return kwargs


def _outcome(response) -> str:  # type: ignore[no-untyped-def]
    code = response.status_code
    if code >= 500:
        return "error"
    if code in (301, 302) and "/login/" in response.get("Location", ""):
        return "login"
    if code == 401:
        return "unauthorized"
    if code in (403, 404):
        return "denied"
    if code == 405:
        return "method"
    if code < 400:
        return "ok"
    return f"status {code}"


def _allowed(expected: str, outcome: str) -> bool:
    if expected == "any":
        return outcome != "error"
    return outcome == expected


@pytest.mark.django_db
def test_every_url_answers_every_role_as_the_matrix_says(demo_seed):
    clients = {"anonymous": Client()}
    for role, email in USERS.items():
        clients[role] = Client()
        clients[role].force_login(
            User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
        )
    entries = dict(MATRIX)
    entries.update({f"{ns}:index": (rule, {}) for ns, rule in NAMESPACES_BY_RULE.items()})
    keys = dict(url_patterns())
    wrong = []
    for name, (rule, objects) in sorted(entries.items()):
        url = reverse(name, kwargs=_kwargs(keys[name], objects) or None)
        for role in ROLES:
            outcome = _outcome(clients[role].get(url))
            expected = RULES[rule][role]
            if not _allowed(expected, outcome):
                wrong.append(f"{name} ({url}) as {role}: {outcome}, the matrix says {expected}")
    assert not wrong, "\n".join(wrong)
