"""GET /healthz (liveness: cheap, no details) and GET /readyz (dependencies, restricted, cached)."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache
from kombu import pools as kombu_pools

from psp.celery import app
from psp.core.views import READINESS_CACHE_KEY

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _celery_configuration_restored():
    """Celery configures its app lazily, from the Django settings of the moment it is first
    read. These tests point the settings at an unreachable broker; if the app were first read
    here it would keep that broker (and non-eager tasks) for the rest of the session, and later
    tests queueing an import would fail. Read it now, under the test settings, and put back what
    the probes may have changed."""
    keys = ("broker_url", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    yield
    app.conf.update(saved)
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def _fresh_readiness():
    cache.delete(READINESS_CACHE_KEY)
    yield
    cache.delete(READINESS_CACHE_KEY)


def test_liveness_touches_no_dependency_and_says_nothing_else(
    client, settings, django_assert_num_queries
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_is_not_found_for_anonymous_and_non_staff(client, client_for, liaison_a):
    assert client.get("/readyz").status_code == 404
    assert client_for(liaison_a).get("/readyz").status_code == 404
    assert client.get("/readyz", HTTP_AUTHORIZATION="Bearer guess").status_code == 404


def test_readiness_for_an_administrator_names_each_part(client_for, admin):
    response = client_for(admin).get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["mode"] == "in-process"


def test_readiness_with_the_token_and_an_unreachable_broker_hides_the_address(client, settings):
    settings.PSP_READINESS_TOKEN = "s3cret-token"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE
    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert "127.0.0.1" not in response.content.decode() and ":1" not in body["broker"]["error"]


def test_an_empty_token_setting_never_matches_an_empty_header(client, settings):
    settings.PSP_READINESS_TOKEN = ""
    assert client.get("/readyz", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_readiness_is_cached_for_a_few_seconds(client_for, admin, settings):
    c = client_for(admin)
    assert c.get("/readyz").status_code == 200
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE
    assert c.get("/readyz").status_code == 200  # the report of a moment ago
    cache.delete(READINESS_CACHE_KEY)
    assert c.get("/readyz").status_code == 503


def test_real_redis_broker_is_reported_healthy(client_for, admin, settings):
    url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).ping()  # the machine's Redis must answer; CI starts it
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    body = client_for(admin).get("/readyz").json()
    assert body["broker"] == {"ok": True, "mode": "redis"}
    assert body["status"] == "ok"


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_probes_refuse_post(client, url):
    assert client.post(url).status_code == 405
