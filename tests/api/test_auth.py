"""Signing in: login, me, logout, expiry, revocation, 401 without a token (both databases)."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from auth_helpers import TEST_PASSWORD, create_user, login
from telephony.api.access import DESK, SIGNED_IN, check_protected
from telephony.api.main import create_app
from telephony.auth.passwords import verify_password
from telephony.db.models import ApiSession, User

WRONG = "wrong username or password"


@pytest.fixture
def app(settings, db):
    create_user(db, "sup", "supervisor", departments=["engineering", "service"], name="质检主管")
    create_user(db, "a1001", "agent", agent="1001", name="王建国")
    create_user(db, "gone", "admin", active=False)
    app = create_app(settings, background=False)
    yield app
    app.state.db.engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_token_the_user_and_a_strict_httponly_cookie(client, settings):
    resp = client.post("/api/auth/login", json={"username": "sup", "password": TEST_PASSWORD})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 43
    assert body["user"] == {"username": "sup", "name": "质检主管", "role": "supervisor",
                            "departments": ["engineering", "service"], "agent": None}
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"hotline_token={body['access_token']};")
    assert "HttpOnly" in cookie and re.search(r"SameSite=strict", cookie, re.I)
    assert f"Max-Age={int(settings.session_ttl_h * 3600)}" in cookie and "Path=/" in cookie
    agent = client.post("/api/auth/login", json={"username": "a1001", "password": TEST_PASSWORD}).json()
    assert agent["user"]["agent"] == "1001" and agent["user"]["departments"] == []


def test_me_with_the_bearer_token_or_the_cookie(app):
    with TestClient(app) as c:
        headers = login(c, "a1001")
        assert c.get("/api/auth/me").json()["username"] == "a1001"  # the cookie
    with TestClient(app) as fresh:  # no cookie: the header alone
        me = fresh.get("/api/auth/me", headers=headers)
        assert me.status_code == 200 and me.json() == {"username": "a1001", "name": "王建国", "role": "agent",
                                                       "departments": [], "agent": "1001"}


@pytest.mark.parametrize("username,password", [
    ("sup", "not-the-password"),
    ("nobody", TEST_PASSWORD),
    ("gone", TEST_PASSWORD),  # deactivated
    ("sup", ""),
])
def test_wrong_credentials_are_401_with_one_message(client, username, password):
    resp = client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 401
    assert resp.json() == {"detail": WRONG}
    assert "set-cookie" not in resp.headers


def test_username_is_not_case_sensitive(client):
    assert client.post("/api/auth/login", json={"username": " SUP ", "password": TEST_PASSWORD}).status_code == 200


def test_a_login_without_fields_is_422(client):
    assert client.post("/api/auth/login", json={"username": "sup"}).status_code == 422
    assert client.post("/api/auth/login", content=b"nope").status_code == 422


def _api_operations(app) -> list[tuple[str, str]]:
    paths = []
    for path, item in app.openapi()["paths"].items():
        for method in item:
            if path.startswith("/api") and (path, method) != ("/api/auth/login", "post"):
                paths.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return paths


def test_every_api_route_is_401_without_a_valid_token(app, client):
    operations = _api_operations(app)
    assert ("GET", "/api/calls") in operations and ("GET", "/api/reports/volume") in operations
    for method, path in operations:
        for headers in ({}, _bearer("made-up-token"), {"Authorization": "Basic c3VwOnB3"}):
            resp = client.request(method, path, headers=headers)
            assert resp.status_code == 401, (method, path, headers, resp.text)
            assert "sign" in resp.json()["detail"]
            assert resp.headers["www-authenticate"] == "Bearer"
    client.cookies.set("hotline_token", "made-up-token")
    assert client.get("/api/calls").status_code == 401


def test_logout_revokes_the_token_and_clears_the_cookie(app):
    with TestClient(app) as c:
        headers = login(c, "sup")
        other = login(TestClient(app), "sup")  # a second session of the same user
        resp = c.post("/api/auth/logout")
        assert resp.status_code == 204
        assert re.match(r'hotline_token="?"?;', resp.headers["set-cookie"]) and "Max-Age=0" in resp.headers["set-cookie"]
        assert c.get("/api/auth/me").status_code == 401
        assert c.get("/api/auth/me", headers=headers).status_code == 401  # the token itself is dead
        assert c.get("/api/auth/me", headers=other).status_code == 200  # the other session lives on
        assert c.post("/api/auth/logout", headers=headers).status_code == 401


def test_an_expired_session_is_401(app, client, db, settings):
    headers = login(client, "sup")
    with db.session() as s:
        session = s.scalars(select(ApiSession)).one()
        lifetime = _aware(session.expires_at) - _aware(session.created_at)
        assert lifetime == timedelta(hours=settings.session_ttl_h)
        s.execute(update(ApiSession).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_session_lifetime_is_the_setting(settings, db):
    create_user(db, "sup", "supervisor", departments=["service"])
    app = create_app(settings.model_copy(update={"session_ttl_h": 0.5}), background=False)
    with TestClient(app) as c:
        resp = c.post("/api/auth/login", json={"username": "sup", "password": TEST_PASSWORD})
        assert "Max-Age=1800" in resp.headers["set-cookie"]
    with db.session() as s:
        session = s.scalars(select(ApiSession)).one()
        assert _aware(session.expires_at) - _aware(session.created_at) == timedelta(minutes=30)
    app.state.db.engine.dispose()


def test_a_deactivated_users_token_stops_working(app, client, db):
    headers = login(client, "sup")
    with db.session() as s:
        s.execute(update(User).where(User.username == "sup").values(active=False))
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_only_the_tokens_hash_and_the_passwords_hash_are_stored(client, db):
    token = login(client, "sup")["Authorization"].removeprefix("Bearer ")
    with db.session() as s:
        session = s.scalars(select(ApiSession)).one()
        user = s.scalars(select(User).where(User.username == "sup")).one()
    assert session.token_sha256 == hashlib.sha256(token.encode()).hexdigest() != token
    assert user.password_hash != TEST_PASSWORD and TEST_PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(TEST_PASSWORD, user.password_hash)
    assert not verify_password(TEST_PASSWORD + "x", user.password_hash)


def test_an_unprotected_router_is_refused(app):
    def router(prefix: str) -> APIRouter:
        r = APIRouter(prefix=prefix)
        r.get("")(lambda: {"open": True})
        return r

    app.include_router(router("/api/forgotten"))
    with pytest.raises(RuntimeError, match="/api/forgotten is not protected"):
        check_protected(app)


def test_the_wallboard_must_be_for_the_desk_only(settings, db):
    def with_wallboard(dependencies):
        app = create_app(settings, background=False)
        r = APIRouter(prefix="/api/wallboard")
        r.get("")(lambda: {})
        app.include_router(r, dependencies=dependencies)
        return app

    with pytest.raises(RuntimeError, match="admin and supervisor only"):
        check_protected(with_wallboard(SIGNED_IN))
    check_protected(with_wallboard(DESK))


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
