"""Property-based checks of the API against its own OpenAPI document (issue 18): schemathesis
generates requests for every operation of the live ``/api/schema/`` and sends them, with a
read-write administrator's token, to the application holding the demo portfolio. No response
may be a server error, and every documented response must match its schema.

Examples per operation are limited so the run stays within a few minutes in CI.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from api.services import api_token_create
from psp.accounts.models import User

pytestmark = pytest.mark.django_db
EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def app(demo_seed, db, tmp_path, settings):
    """Django's WSGI application on the test's connection: as Django's test client does, the
    request signals must not close the connection holding the seeded (uncommitted) data."""
    settings.PSP_UPLOAD_DIR = tmp_path
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_operation_answers_without_5xx_and_within_its_schema(app):
    admin = User.objects.get(email="admin@psp.example")
    key = api_token_create(acting_user=admin, name="schemathesis", scope="write", days=1).key
    headers = {"Authorization": f"Token {key}", "Host": "testserver"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
