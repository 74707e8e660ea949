"""`hotline users add` and `users list` against a real database (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from telephony.api.main import create_app
from telephony.auth.passwords import verify_password
from telephony.cli import main
from telephony.db.models import User

PASSWORD = "first-admin-pw"


@pytest.fixture
def run(settings, db):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, [*args, "--data-dir", str(settings.data_dir)], input=input,
                             env={"HOTLINE_DATABASE_URL": settings.db_url}, catch_exceptions=False)
    return invoke


def test_the_first_admin_then_signs_in_to_the_api(run, settings, db):
    result = run("users", "add", "admin", "--role", "admin", "--name", "系统管理员", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "user admin added (admin)"
    with db.session() as s:
        stored = s.scalars(select(User)).one().password_hash
    assert PASSWORD not in stored and verify_password(PASSWORD, stored)
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        resp = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        assert resp.status_code == 200 and resp.json()["user"]["name"] == "系统管理员"
    app.state.db.engine.dispose()


def test_the_password_is_asked_for_when_not_given(run):
    result = run("users", "add", "sup", "--role", "supervisor", "--department", "engineering",
                 "--department", "service", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # not echoed
    assert run("users", "list").output.strip() == "sup\tsup\tsupervisor\tengineering,service\tactive"


def test_list_shows_each_role(run):
    assert run("agents", "add", "1001", "--name", "王建国", "--department", "engineering",
               "--password", "secret-1").exit_code == 0
    for args in (["a1001", "--role", "agent", "--agent", "1001", "--name", "王建国"],
                 ["admin", "--role", "admin"],
                 ["eng", "--role", "supervisor", "--department", "engineering"]):
        assert run("users", "add", *args, "--password", PASSWORD).exit_code == 0, args
    assert run("users", "list").output.splitlines() == [
        "a1001\t王建国\tagent\t1001\tactive",
        "admin\tadmin\tadmin\t-\tactive",
        "eng\teng\tsupervisor\tengineering\tactive",
    ]


@pytest.mark.parametrize("args,message", [
    (["x", "--role", "supervisor", "--department", "plumbing"], "unknown department 'plumbing'; known: service, engineering, security, cleaning, billing, manager"),
    (["x", "--role", "supervisor"], "a supervisor needs at least one department"),
    (["x", "--role", "agent", "--agent", "1999"], "no agent 1999; add it first with `hotline agents add`"),
    (["x", "--role", "agent"], "an agent user needs the agent's number (--agent)"),
    (["admin", "--role", "admin"], "user admin already exists"),
    (["x", "--role", "admin", "--agent", "1001"], "an agent number is for role agent only"),
])
def test_bad_input_is_one_clear_line(run, args, message):
    assert run("users", "add", "admin", "--role", "admin", "--password", PASSWORD).exit_code == 0
    result = run("users", "add", *args, "--password", PASSWORD)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {message}"


def test_a_short_password_is_refused(run, settings):
    result = run("users", "add", "admin", "--role", "admin", "--password", "x" * (settings.password_min_length - 1))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: password must have at least {settings.password_min_length} characters"
    assert run("users", "list").output == ""


def test_an_unknown_role_is_refused_by_the_option(run):
    result = run("users", "add", "x", "--role", "boss", "--password", PASSWORD)
    assert result.exit_code == 2 and "'boss' is not one of 'admin', 'supervisor', 'agent'" in result.output
