"""Personal API tokens: created on the tokens page with the secret shown once, stored hashed,
refused once revoked or expired, read-only never writing; session use needs CSRF for writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, TokenScope
from api.services import api_token_create, api_token_revoke
from api.throttling import TokenRateThrottle
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_created_token_is_shown_once_and_only_its_hash_is_stored(client_for, liaison_a, site_a):
    page = client_for(liaison_a)
    response = page.post(
        "/api/tokens/", {"name": "R laptop", "scope": "read", "days": "90"}, follow=False
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = response.context["created"].key
    assert key.encode() in response.content
    token = ApiToken.objects.get(user=liaison_a)
    assert token.key_hash != key and key not in token.key_hash
    assert token.expires_at - token.created_at == dt.timedelta(days=90)
    # The list shows the token by name and first characters, never the whole secret again.
    again = page.get("/api/tokens/")
    assert b"R laptop" in again.content and token.prefix.encode() in again.content
    assert key.encode() not in again.content
    assert _bearer(key).get("/api/sites/").json()["results"][0]["slug"] == "alphaville"


def test_token_page_refuses_a_blank_name_and_a_duplicate(client_for, liaison_a):
    page = client_for(liaison_a)
    assert (
        page.post("/api/tokens/", {"name": " ", "scope": "read", "days": "30"})
        .context["form"]
        .errors["name"]
    )
    api_token_create(acting_user=liaison_a, name="nightly", scope="read", days=30)
    response = page.post("/api/tokens/", {"name": "nightly", "scope": "read", "days": "30"})
    assert "already have a token named" in str(response.context["form"].errors["name"])
    assert ApiToken.objects.filter(user=liaison_a).count() == 1


def test_anonymous_visitor_of_the_token_page_is_sent_to_sign_in(client):
    response = client.get("/api/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_revoked_expired_unknown_and_deactivated_tokens_get_401(liaison_a, site_a):
    revoked = api_token_create(acting_user=liaison_a, name="a", scope="read", days=30)
    api_token_revoke(token=revoked.token, acting_user=liaison_a)
    expired = api_token_create(acting_user=liaison_a, name="b", scope="read", days=1)
    ApiToken.objects.filter(pk=expired.token.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    for key, says in [
        (revoked.key, "revoked"),
        (expired.key, "expired"),
        ("psp_not-a-token", "Unknown token"),
    ]:
        response = _bearer(key).get("/api/sites/")
        assert response.status_code == 401, key
        assert says in response.json()["detail"]
        assert response["WWW-Authenticate"] == "Token"
    working = api_token_create(acting_user=liaison_a, name="c", scope="read", days=30)
    liaison_a.is_active = False
    liaison_a.save()
    assert _bearer(working.key).get("/api/sites/").status_code == 401


def test_no_credentials_get_401_on_every_kind_of_route(db):
    anonymous = APIClient()
    for path in ["/api/sites/", "/api/schema/", "/api/metric-results/x/", "/api/uploads/1/"]:
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.post("/api/activities/", {}, format="json").status_code == 401


def test_read_only_token_reads_but_gets_403_on_every_write(liaison_a, site_a):
    client = token_client(liaison_a, scope=TokenScope.READ)
    assert client.get("/api/activities/").status_code == 200
    response = client.post("/api/ta-requests/", {}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert client.patch("/api/action-items/1/", {}, format="json").status_code == 403


def test_token_use_is_recorded(liaison_a, site_a):
    new = api_token_create(acting_user=liaison_a, name="a", scope="read", days=30)
    assert new.token.last_used_at is None
    _bearer(new.key).get("/api/sites/")
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None


def test_session_reads_and_writes_need_the_csrf_token(liaison_a, site_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(liaison_a, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get("/api/sites/").status_code == 200
    body = {"site": "alphaville", "core_area": "gun_violence", "need": "Crime analysis help."}
    refused = browser.post("/api/ta-requests/", body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    browser.get("/api/tokens/")  # sets the CSRF cookie, as any page does
    csrf = browser.cookies["csrftoken"].value
    done = browser.post(
        "/api/ta-requests/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert done.status_code == 201


def test_token_requests_need_no_csrf(liaison_a, site_a):
    client = token_client(liaison_a)
    client.enforce_csrf_checks = True
    body = {"site": "alphaville", "core_area": "gun_violence", "need": "Help."}
    assert client.post("/api/ta-requests/", body, format="json").status_code == 201


def test_admin_sees_and_revokes_anyones_token_others_cannot(client_for, admin, liaison_a, pm):
    theirs = api_token_create(acting_user=liaison_a, name="their script", scope="write", days=30)
    assert b"their script" in client_for(admin).get("/api/tokens/").content
    assert b"their script" not in client_for(pm).get("/api/tokens/").content
    assert client_for(pm).post(f"/api/tokens/{theirs.token.pk}/revoke/").status_code == 404
    assert _bearer(theirs.key).get("/api/sites/").status_code == 200
    response = client_for(admin).post(f"/api/tokens/{theirs.token.pk}/revoke/")
    assert response.status_code == 302
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_by == admin
    assert _bearer(theirs.key).get("/api/sites/").status_code == 401


def test_owner_revokes_own_token_on_the_page(client_for, liaison_a):
    mine = api_token_create(acting_user=liaison_a, name="mine", scope="read", days=30)
    client_for(liaison_a).post(f"/api/tokens/{mine.token.pk}/revoke/")
    assert _bearer(mine.key).get("/api/sites/").status_code == 401


def test_throttle_counts_per_token(liaison_a, site_a, monkeypatch):
    monkeypatch.setattr(
        TokenRateThrottle, "THROTTLE_RATES", {"api": "3/minute", "api_write": "3/minute"}
    )
    from django.core.cache import cache

    cache.clear()
    first, second = token_client(liaison_a), token_client(liaison_a)
    codes = [first.get("/api/sites/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # The person's other token has its own allowance.
    assert second.get("/api/sites/").status_code == 200
    cache.clear()


def test_token_validity_is_bounded(liaison_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        api_token_create(acting_user=liaison_a, name="x", scope="admin", days=0)
    assert set(exc.value.message_dict) == {"scope", "days"}
