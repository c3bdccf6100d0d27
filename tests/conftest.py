"""The fixed cast every test can use (healthchecks' alice/bob/charlie, PSP edition).

- ``admin``: PSP administrator
- ``pm``: BJA program manager (manages ``site_a``)
- ``auditor``: read-only staff
- ``liaison_a`` / ``liaison_b``: liaisons of ``site_a`` / ``site_b`` only
- ``partner_a``: read-only partner of ``site_a``
- ``outsider``: signed in, no role anywhere
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from tests.factories import MembershipFactory, SiteFactory, UserFactory

# Data migrations that create fixed reference rows (core areas, offense codes).
REFERENCE_DATA_MIGRATIONS = [
    "engagements.migrations.0002_core_areas",
    "metrics.migrations.0002_offenses",
    "metrics.migrations.0055_offense_order",
]


@pytest.fixture(scope="session", autouse=True)
def _force_login_counts_as_second_factor() -> Iterator[None]:
    """``Client.force_login`` stands for a finished sign-in, second factor included (issue 21
    M4), so tests of everything else need no authenticator. The second-factor tests sign in
    through the sign-in page instead (tests/accounts/test_mfa.py)."""
    from psp.accounts import mfa

    real = Client.force_login

    def force_login(self: Client, user: object, backend: str | None = None) -> None:
        real(self, user, backend)  # type: ignore[arg-type]
        session = self.session
        session[mfa.SESSION_KEY] = mfa.VERIFIED
        session.save()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the reference rows of the data migrations present at the start.
    A database kept with ``--reuse-db`` was last flushed by a transactional test, which removed
    them, and ``migrate`` does not re-run applied data migrations; on a new database this
    changes nothing (the functions are idempotent)."""
    with django_db_blocker.unblock():
        for module in REFERENCE_DATA_MIGRATIONS:
            import_module(module).create(apps, None)


def pytest_report_header(config: pytest.Config) -> str:
    """Say at the start of every run which database the suite runs on (``make test`` picks
    PostgreSQL when it answers on 127.0.0.1:5432, SQLite otherwise)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        where = f"{db.get('HOST') or 'socket'}:{db.get('PORT') or 5432}/{db['NAME']}"
        return f"database: PostgreSQL ({where} from DATABASE_URL; tests use test_{db['NAME']})"
    return "database: SQLite (DATABASE_URL unset; page caches and COPY merges untested)"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that read the shared demo seed (``demo_seed``, which keeps its data until the
    end of the session) run last, after every other test, so no other test ever sees the seed.
    Stable otherwise; runs after pytest-django's own ordering (plain, then transactional tests).
    """
    seeded = [t for t in items if "demo_seed" in t.fixturenames]
    for t in seeded:
        if {"transactional_db", "live_server"} & set(t.fixturenames):
            raise pytest.UsageError(f"{t.nodeid}: demo_seed is for plain (rolled back) tests")
    if seeded:
        items[:] = [t for t in items if "demo_seed" not in t.fixturenames] + seeded


@dataclass
class DemoSeed:
    output: str = ""  # what ``manage.py seed_demo`` printed
    onboarded: list[str] = field(default_factory=list)  # slugs passed to site_onboard, in order


@pytest.fixture(scope="session")
def demo_seed(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[DemoSeed]:
    """The whole demo portfolio (``manage.py seed_demo`` in demo mode), seeded once per run for
    the tests that only read it, instead of once per test (~18 s each on PostgreSQL).

    As Django's ``TestCase.setUpTestData``: the seed runs inside a transaction opened here and
    rolled back at the end of the session; each test's own transaction (the ``db`` fixture) is
    a savepoint inside it, so what a test writes is still undone after it and every test sees
    exactly the freshly seeded data. The tests using it run last (see
    ``pytest_collection_modifyitems`` above), so they come after any transactional test's
    flush: the reference rows of the data migrations are put back first, as
    ``_reference_data_after_flush`` does. On-commit callbacks queued by the seed never run, as
    before, when each test seeded inside its own transaction. Demo mode and a private upload
    folder stay set until the end. Transactional tests cannot use it.
    """
    from sites.onboarding import services as onboarding

    seed = DemoSeed()
    real_onboard = onboarding.site_onboard

    def onboard(**kwargs: object) -> object:
        seed.onboarded.append(str(kwargs["slug"]))
        return real_onboard(**kwargs)

    uploads = tmp_path_factory.mktemp("demo-uploads")
    with override_settings(DEMO_MODE=True, PSP_UPLOAD_DIR=uploads):
        outer = transaction.atomic()
        with django_db_blocker.unblock():
            outer.__enter__()
            try:
                for module in REFERENCE_DATA_MIGRATIONS:
                    import_module(module).create(apps, None)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(onboarding, "site_onboard", onboard)
                    out = io.StringIO()
                    call_command("seed_demo", stdout=out)
                    seed.output = out.getvalue()
            except BaseException:
                outer.__exit__(*sys.exc_info())
                raise
        try:
            yield seed
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


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
