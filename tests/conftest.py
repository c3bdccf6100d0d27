"""The fixed cast every test can use (healthchecks' alice/bob/charlie, PSP edition).

- ``admin``: PSP administrator
- ``pm``: BJA program manager (manages ``site_a``)
- ``auditor``: read-only staff
- ``liaison_a`` / ``liaison_b``: liaisons of ``site_a`` / ``site_b`` only
- ``partner_a``: read-only partner of ``site_a``
- ``outsider``: signed in, no role anywhere
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client

from tests.factories import MembershipFactory, SiteFactory, UserFactory

# Data migrations that create fixed reference rows (core areas, offense codes).
REFERENCE_DATA_MIGRATIONS = [
    "engagements.migrations.0002_core_areas",
    "metrics.migrations.0002_offenses",
]


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests (the live-server e2e tests, real-worker tests) flush every table
    afterwards, including the rows data migrations created; put them back so every test sees
    the eight core areas and the offense codes."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        for module in REFERENCE_DATA_MIGRATIONS:
            import_module(module).create(apps, None)


@pytest.fixture
def admin(db):
    return UserFactory(
        email="admin@example.gov", full_name="Ada Admin", role="admin", is_staff=True
    )


@pytest.fixture
def pm(db):
    return UserFactory(email="pm@example.gov", full_name="Pat Manager", role="bja_staff")


@pytest.fixture
def auditor(db):
    return UserFactory(email="auditor@example.gov", full_name="Audrey Auditor", role="auditor")


@pytest.fixture
def site_a(db, pm):
    return SiteFactory(name="Alphaville", slug="alphaville", state="KS", program_manager=pm)


@pytest.fixture
def site_b(db):
    return SiteFactory(name="Betatown", slug="betatown", state="FL")


@pytest.fixture
def liaison_a(db, site_a):
    user = UserFactory(email="liaison.a@example.gov", full_name="Lee Liaison")
    MembershipFactory(user=user, site=site_a, role="liaison")
    return user


@pytest.fixture
def liaison_b(db, site_b):
    user = UserFactory(email="liaison.b@example.gov", full_name="Bo Liaison")
    MembershipFactory(user=user, site=site_b, role="liaison")
    return user


@pytest.fixture
def partner_a(db, site_a):
    user = UserFactory(email="partner.a@example.gov", full_name="Parker Partner")
    MembershipFactory(user=user, site=site_a, role="partner")
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.gov", full_name="Otto Outsider")


@pytest.fixture
def cast(admin, pm, auditor, liaison_a, liaison_b, partner_a, outsider):
    """Every member of the cast by name, for URL × role matrices."""
    return {
        "admin": admin,
        "pm": pm,
        "auditor": auditor,
        "liaison_a": liaison_a,
        "liaison_b": liaison_b,
        "partner_a": partner_a,
        "outsider": outsider,
    }


@pytest.fixture
def client_for():
    """``client_for(user)`` returns a test client signed in as ``user``."""

    def make(user) -> Client:
        c = Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make
