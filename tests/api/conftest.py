"""Clients for the API: a person's token (read-write unless asked), or their browser session."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from api.models import TokenScope
from api.services import api_token_create

_made = itertools.count(1)


def token_client(user, scope: str = TokenScope.WRITE, days: int = 30) -> APIClient:
    name = f"test {scope} {next(_made)}"
    new = api_token_create(acting_user=user, name=name, scope=scope, days=days)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {new.key}")
    return client


@pytest.fixture
def api_for() -> Callable[..., APIClient]:
    """``api_for(user, scope="write")``: a client sending a fresh token of ``user``."""
    return token_client
