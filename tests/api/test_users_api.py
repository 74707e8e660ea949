"""GET/POST/PATCH /api/users: admins manage who signs in (both databases)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auth_helpers import TEST_PASSWORD, create_user, headers_for, login
from telephony.api.main import create_app
from telephony.auth.passwords import verify_password
from telephony.db.models import Agent, User
from telephony.directory import sip_ha1

NEW_PASSWORD = "a-new-password-2"


@pytest.fixture
def api(settings, db):
    with db.session() as s:
        s.add(Agent(number="1001", name="王建国", department="engineering", sip_ha1=sip_ha1("1001", "r", "x")))
    create_user(db, "admin", "admin")
    create_user(db, "sup", "supervisor", departments=["service"])
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        yield client, headers_for(db, "admin")
    app.state.db.engine.dispose()


def test_admin_creates_lists_and_the_new_user_signs_in(api, db):
    client, admin = api
    resp = client.post("/api/users", headers=admin, json={
        "username": "Eng-Sup", "name": "工程主管", "role": "supervisor", "departments": ["engineering", "service"],
        "password": NEW_PASSWORD})
    assert resp.status_code == 201, resp.text
    assert resp.json() | {"created_at": None} == {
        "username": "eng-sup", "name": "工程主管", "role": "supervisor", "departments": ["engineering", "service"],
        "agent": None, "active": True, "created_at": None}
    agent = client.post("/api/users", headers=admin, json={"username": "a1001", "role": "agent", "agent": "1001",
                                                           "password": NEW_PASSWORD})
    assert agent.status_code == 201 and agent.json()["name"] == "a1001" and agent.json()["agent"] == "1001"
    listed = client.get("/api/users", headers=admin)
    assert [u["username"] for u in listed.json()["items"]] == ["a1001", "admin", "eng-sup", "sup"]
    assert "password" not in listed.text and "argon2" not in listed.text
    with db.session() as s:
        stored = s.scalars(select(User).where(User.username == "eng-sup")).one().password_hash
    assert stored != NEW_PASSWORD and verify_password(NEW_PASSWORD, stored)
    assert login(client, "eng-sup", NEW_PASSWORD)


@pytest.mark.parametrize("body,status,message", [
    ({"username": "x", "role": "admin", "password": "short"}, 422, "at least 8 characters"),
    ({"username": "x", "role": "admin"}, 422, "password"),
    ({"username": "sup", "role": "admin", "password": NEW_PASSWORD}, 409, "user sup already exists"),
    ({"username": "x", "role": "boss", "password": NEW_PASSWORD}, 422, "unknown role 'boss'"),
    ({"username": "x", "role": "supervisor", "password": NEW_PASSWORD}, 422, "at least one department"),
    ({"username": "x", "role": "supervisor", "departments": ["plumbing"], "password": NEW_PASSWORD}, 422,
     "unknown department 'plumbing'"),
    ({"username": "x", "role": "agent", "password": NEW_PASSWORD}, 422, "agent's number"),
    ({"username": "x", "role": "agent", "agent": "1999", "password": NEW_PASSWORD}, 422, "no agent 1999"),
    ({"username": "x", "role": "admin", "agent": "1001", "password": NEW_PASSWORD}, 422, "role agent only"),
    ({"username": "x", "role": "admin", "departments": ["service"], "password": NEW_PASSWORD}, 422,
     "supervisors only"),
    ({"username": "no spaces", "role": "admin", "password": NEW_PASSWORD}, 422, "username"),
])
def test_bad_users_are_refused_with_a_clear_detail(api, body, status, message):
    client, admin = api
    resp = client.post("/api/users", headers=admin, json=body)
    assert resp.status_code == status, resp.text
    assert message in str(resp.json()["detail"])


def test_one_agent_one_user(api):
    client, admin = api
    body = {"role": "agent", "agent": "1001", "password": NEW_PASSWORD}
    assert client.post("/api/users", headers=admin, json={"username": "a", **body}).status_code == 201
    resp = client.post("/api/users", headers=admin, json={"username": "b", **body})
    assert resp.status_code == 409 and resp.json()["detail"] == "agent 1001 already has a user (a)"


def test_a_password_reset_ends_the_users_sessions(api, db):
    client, admin = api
    old = headers_for(db, "sup")
    resp = client.patch("/api/users/sup", headers=admin, json={"password": NEW_PASSWORD})
    assert resp.status_code == 200, resp.text
    assert client.get("/api/auth/me", headers=old).status_code == 401
    assert client.post("/api/auth/login", json={"username": "sup", "password": TEST_PASSWORD}).status_code == 401
    assert login(client, "sup", NEW_PASSWORD)
    assert client.patch("/api/users/sup", headers=admin, json={"password": "short"}).status_code == 422


def test_deactivate_and_reactivate(api, db):
    client, admin = api
    old = headers_for(db, "sup")
    assert client.patch("/api/users/sup", headers=admin, json={"active": False}).json()["active"] is False
    assert client.get("/api/calls", headers=old).status_code == 401
    assert client.post("/api/auth/login", json={"username": "sup", "password": TEST_PASSWORD}).status_code == 401
    assert client.patch("/api/users/sup", headers=admin, json={"active": True}).json()["active"] is True
    assert login(client, "sup")


def test_change_role_and_departments(api):
    client, admin = api
    resp = client.patch("/api/users/sup", headers=admin, json={"departments": ["service", "billing"], "name": "新名字"})
    assert (resp.json()["departments"], resp.json()["name"]) == (["service", "billing"], "新名字")
    resp = client.patch("/api/users/sup", headers=admin, json={"role": "agent", "agent": "1001"})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["role"], resp.json()["departments"], resp.json()["agent"]) == ("agent", [], "1001")
    assert client.patch("/api/users/sup", headers=admin, json={"role": "admin"}).json()["agent"] is None
    assert client.patch("/api/users/sup", headers=admin, json={"role": "supervisor"}).status_code == 422
    assert client.patch("/api/users/nobody", headers=admin, json={"name": "x"}).status_code == 404
    assert client.patch("/api/users/sup", headers=admin, json={"role": None}).status_code == 422


def test_the_last_admin_stays(api):
    client, admin = api
    for change in ({"active": False}, {"role": "supervisor", "departments": ["service"]}):
        resp = client.patch("/api/users/admin", headers=admin, json=change)
        assert resp.status_code == 409 and "last active admin" in resp.json()["detail"]
    client.patch("/api/users/sup", headers=admin, json={"role": "admin"})
    assert client.patch("/api/users/admin", headers=admin, json={"active": False}).status_code == 200


@pytest.mark.parametrize("user", ["sup"])
def test_users_are_for_admins_only(api, db, user):
    client, _ = api
    headers = headers_for(db, user)
    assert client.get("/api/users", headers=headers).status_code == 403
    assert client.post("/api/users", headers=headers, json={"username": "x", "role": "admin",
                                                            "password": NEW_PASSWORD}).status_code == 403
    assert client.patch("/api/users/sup", headers=headers, json={"role": "admin"}).status_code == 403
    assert client.get("/api/users").status_code == 401
