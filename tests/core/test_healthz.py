"""GET /healthz reports database and broker status."""

from __future__ import annotations

import pytest
import redis

pytestmark = pytest.mark.django_db


def test_healthy_embedded_default_is_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["mode"] == "in-process"


def test_unreachable_broker_is_503_naming_the_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_real_redis_broker_is_reported_healthy(client, settings):
    url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).ping()  # the machine's Redis must answer; CI starts it
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    body = client.get("/healthz").json()
    assert body["broker"] == {"ok": True, "mode": "redis"}
    assert body["status"] == "ok"


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
