"""The web page as the API serves it (/, /static/…) and GET /api/meta, its names (both databases)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from telephony.api.main import create_app
from telephony.audit.rules import RULES


@pytest.fixture
def client(settings, demo_db):
    create_user(demo_db, "sup", "supervisor", departments=["engineering"])
    app = create_app(settings, background=False)
    with TestClient(app) as c:
        yield c
    app.state.db.engine.dispose()


def test_the_page_is_served_without_login_and_only_trusts_its_own_origin(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/main.js">' in resp.text
    csp = resp.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["cache-control"] == "no-cache"


def test_static_files_are_served_and_revalidated(client):
    resp = client.get("/static/js/main.js")
    assert resp.status_code == 200
    assert "javascript" in resp.headers["content-type"]
    assert resp.headers["cache-control"] == "no-cache" and resp.headers["etag"]
    assert client.get("/static/css/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/js/nothing.js").status_code == 404
    assert client.get("/static/../__init__.py").status_code == 404


def test_meta_needs_a_login(client):
    assert client.get("/api/meta").status_code == 401


def test_meta_names_departments_categories_agents_and_rules(client, settings):
    login(client, "sup")
    body = client.get("/api/meta").json()
    assert body["timezone"] == settings.timezone == "Asia/Shanghai"
    assert body["ring_limit"] == settings.ring_limit
    assert body["departments"]["engineering"] == {"name_zh": "工程维修", "name_en": "Engineering and repairs"}
    assert body["categories"]["repair"]["name_zh"] == "报修"
    assert body["categories"]["emergency"]["urgency"] == "urgent"
    assert body["rules"] == list(RULES)
    assert body["agents"][0] == {"number": "1001", "name": "王建国", "department": "engineering"}
    assert [a["number"] for a in body["agents"]] == ["1001", "1002", "1003", "1004"]
