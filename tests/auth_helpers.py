"""Users and sign-in for API tests.

    from auth_helpers import create_user, login
    create_user(db, "sup", "supervisor", departments=["engineering"])
    headers = login(client, "sup")   # also leaves the hotline_token cookie on the TestClient
    headers = headers_for(db, "sup")  # the same without the password check (fast; no cookie)

create_user writes the row directly (no check that the departments or the agent number
exist), so a test can name any agent; the password is really hashed (argon2), once per
password per test session because hashing is slow on purpose.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import select

from telephony.auth.passwords import hash_password
from telephony.auth.sessions import open_session
from telephony.db.models import User
from telephony.db.session import Database

TEST_PASSWORD = "test-password-1"


@lru_cache(maxsize=None)
def _hash(password: str) -> str:
    return hash_password(password)


def create_user(db: Database, username: str, role: str, *, departments=(), agent: str | None = None,
                password: str = TEST_PASSWORD, name: str | None = None, active: bool = True) -> User:
    with db.session() as s:
        user = User(username=username, name=name or username, role=role, departments=list(departments),
                    agent=agent, password_hash=_hash(password), active=active,
                    created_at=datetime.now(timezone.utc))
        s.add(user)
    return user


def login(client, username: str, password: str = TEST_PASSWORD) -> dict:
    """Sign in; returns the Authorization header (the TestClient also keeps the cookie)."""
    resp = client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def headers_for(db: Database, username: str, ttl_h: float = 1.0) -> dict:
    """The Authorization header of a new session, opened directly: no argon2 check (~0.2 s each),
    for tests about what a signed-in user may do rather than about signing in."""
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        token = open_session(s, user, ttl_h)
    return {"Authorization": f"Bearer {token}"}
