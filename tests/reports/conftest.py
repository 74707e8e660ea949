"""Fixtures for the report tests: calls and verdicts written straight into the call log
(reports_helpers.Seeder), and the API over them (create_app(settings, background=False) +
TestClient)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from reports_helpers import Seeder
from telephony.api.main import create_app


@pytest.fixture
def seed(db):
    """seed(fn): run fn(Seeder) in one transaction."""
    def run(fn):
        with db.session() as s:
            return fn(Seeder(s))
    return run


@pytest.fixture
def api(settings, db):
    """The API, signed in as an admin (reports over every call)."""
    create_user(db, "admin", "admin")
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        login(client, "admin")
        yield client
    app.state.db.engine.dispose()
