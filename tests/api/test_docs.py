"""The API's schema and browsable docs: served from our own origin, no inline script, so the
Content-Security-Policy stays ``script-src 'self'`` (docs/design.md §6)."""

from __future__ import annotations

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_docs_page_loads_only_same_origin_scripts(client_for, liaison_a):
    response = client_for(liaison_a).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 4  # Swagger UI's two, its start-up, our labels for its fields
    for attrs, body in scripts:
        src = re.search(r'src="([^"]+)"', attrs)
        assert src and src.group(1).startswith("/"), attrs  # our origin, never a CDN
        assert body.strip() == ""
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert (
        "unsafe-inline"
        not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    init = client_for(liaison_a).get("/api/docs/?script=")
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    assert init["Content-Type"].startswith("application/javascript")


def test_schema_lists_every_resource_and_the_token_scheme(client_for, liaison_a):
    schema = yaml.safe_load(client_for(liaison_a).get("/api/schema/").content)
    paths = set(schema["paths"])
    for resource in ("sites", "activities", "incidents", "metric-results", "uploads"):
        assert f"/api/{resource}/" in paths
    assert "/api/uploads/{id}/confirm/" in paths
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_the_header_links_to_the_token_page(client_for, partner_a):
    assert b'href="/api/tokens/"' in client_for(partner_a).get("/api/tokens/").content
