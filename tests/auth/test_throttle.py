"""Failed sign-ins are counted per username and per address; past the limit, 429 for the window."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from auth_helpers import TEST_PASSWORD, create_user
from telephony.api.main import create_app
from telephony.auth.throttle import LoginThrottle


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_blocks_a_username_after_the_limit_until_the_window_passes():
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window_s=60, clock=clock)
    for _ in range(2):
        throttle.failed("Sup", "10.0.0.1")
    assert throttle.retry_after_s("sup", "10.0.0.2") is None
    throttle.failed("sup ", "10.0.0.3")  # the same username, any spelling, any address
    assert throttle.retry_after_s("SUP", "10.0.0.9") == 60
    clock.t += 30
    assert throttle.retry_after_s("sup", None) == 30
    clock.t += 30
    assert throttle.retry_after_s("sup", None) is None


def test_blocks_an_address_that_guesses_many_usernames():
    throttle = LoginThrottle(max_failures=3, window_s=60, clock=Clock())
    for name in ("a", "b", "c"):
        throttle.failed(name, "10.0.0.1")
    assert throttle.retry_after_s("d", "10.0.0.1") is not None
    assert throttle.retry_after_s("d", "10.0.0.2") is None


def test_a_right_password_resets_its_username_only():
    throttle = LoginThrottle(max_failures=2, window_s=60, clock=Clock())
    throttle.failed("sup", "10.0.0.1")
    throttle.succeeded("sup")
    throttle.failed("sup", "10.0.0.2")
    assert throttle.retry_after_s("sup", "10.0.0.3") is None


def test_old_failures_are_forgotten():
    clock = Clock()
    throttle = LoginThrottle(max_failures=2, window_s=60, clock=clock)
    throttle.failed("sup", "10.0.0.1")
    clock.t += 61
    throttle.failed("sup", "10.0.0.1")
    assert throttle.retry_after_s("sup", "10.0.0.1") is None
    clock.t += 61
    throttle.retry_after_s("sup", "10.0.0.1")
    assert throttle._failures == {}


@pytest.fixture
def client(db, settings):
    create_user(db, "sup", "supervisor", departments=["engineering"])
    settings.login_max_failures = 3
    app = create_app(settings, background=False)
    with TestClient(app) as c:
        yield c
    app.state.db.engine.dispose()


def test_the_api_answers_429_with_retry_after_and_checks_no_password(client):
    for _ in range(3):
        assert client.post("/api/auth/login", json={"username": "sup", "password": "guess-1234"}).status_code == 401
    resp = client.post("/api/auth/login", json={"username": "sup", "password": TEST_PASSWORD})
    assert resp.status_code == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 300
    assert "too many failed sign-ins" in resp.json()["detail"]
    assert "hotline_token" not in resp.cookies
