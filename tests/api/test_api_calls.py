"""GET /api/calls and /api/calls/{id} over a real database (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from telephony.api.main import create_app
from telephony.core.config import load_settings
from telephony.logging.calllog import CallOutcome, finish_call, open_call

Z = timezone.utc

# (uniqueid, started_at UTC, category, department, unit, agent)
CALLS = [
    ("c1", datetime(2026, 11, 22, 23, 59, 59, tzinfo=Z), "repair", "engineering", "3-2-502", "1001"),
    ("c2", datetime(2026, 11, 23, 0, 0, 0, tzinfo=Z), "complaint", "service", "5-1-101", "1002"),
    ("c3", datetime(2026, 11, 23, 4, 0, 0, tzinfo=Z), "repair", "engineering", "9-3-1203", "1001"),
    ("c4", datetime(2026, 11, 23, 15, 59, 59, 999000, tzinfo=Z), "emergency", "security", None, None),
    ("c5", datetime(2026, 11, 23, 16, 0, 0, tzinfo=Z), "billing", "billing", "3-2-502", "1004"),
    ("c6", datetime(2026, 11, 23, 4, 0, 0, tzinfo=Z), "inquiry", "service", None, "1002"),  # same time as c3
]
HOSTILE = '<script>alert("x")</script>\'; DROP TABLE calls; --'


@pytest.fixture
def client(settings, db):
    with db.session() as s:
        for uid, started, category, dept, unit, agent in CALLS:
            call = open_call(s, uniqueid=uid, started_at=started, caller_number="13800000001",
                             caller_name=HOSTILE if uid == "c1" else None, unit=unit,
                             category=category, department=dept)
            finish_call(call, CallOutcome(
                ended_at=started + timedelta(seconds=90),
                disposition="answered" if agent else "abandoned", hangup_by="caller",
                department=dept, agent=agent,
                answered_at=started + timedelta(seconds=20) if agent else None,
                ring_ms=6800 if agent else None), settings.ring_cadence_ms)
    # A supervisor of every department: sees all these calls, residents' data in full.
    create_user(db, "sup", "supervisor", departments=settings.departments)
    app = create_app(settings, background=False)
    with TestClient(app) as c:
        login(c, "sup")
        yield c
    app.state.db.engine.dispose()


def uids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [item["uniqueid"] for item in resp.json()["items"]]


def test_newest_first_with_ties_broken_by_id(client):
    resp = client.get("/api/calls")
    assert uids(resp) == ["c5", "c4", "c6", "c3", "c2", "c1"]
    body = resp.json()
    assert (body["total"], body["limit"], body["offset"]) == (6, 50, 0)


def test_times_are_iso8601_in_shanghai_time(client):
    item = client.get("/api/calls", params={"category": "emergency"}).json()["items"][0]
    assert item["started_at"] == "2026-11-23T23:59:59.999+08:00"
    assert item["ended_at"] == "2026-11-24T00:01:29.999+08:00"
    assert item["answered_at"] is None
    c5 = client.get("/api/calls", params={"category": "billing"}).json()["items"][0]
    assert c5["started_at"] == "2026-11-24T00:00:00.000+08:00"
    assert c5["answered_at"] == "2026-11-24T00:00:20.000+08:00"
    assert (c5["rings"], c5["ring_ms"], c5["disposition"]) == (2, 6800, "answered")


WINDOWS = [  # one Shanghai day, written in three time zones
    ("2026-11-23T08:00:00+08:00", "2026-11-24T00:00:00+08:00"),
    ("2026-11-23T00:00:00Z", "2026-11-23T16:00:00Z"),
    ("2026-11-22T19:00:00-05:00", "2026-11-23T11:00:00-05:00"),
]


def test_since_is_inclusive_and_until_exclusive_in_any_time_zone(client):
    for since, until in WINDOWS:
        # 08:00 on the 23rd counts, midnight of the 24th does not.
        resp = client.get("/api/calls", params={"since": since, "until": until})
        assert uids(resp) == ["c4", "c6", "c3", "c2"], (since, until)
        assert resp.json()["total"] == 4


def test_since_alone_and_until_alone(client):
    assert uids(client.get("/api/calls", params={"since": "2026-11-24T00:00:00+08:00"})) == ["c5"]
    assert uids(client.get("/api/calls", params={"until": "2026-11-23T08:00:00+08:00"})) == ["c1"]


def test_times_without_a_zone_are_refused(client):
    for param in ("since", "until"):
        for value in ("2026-11-23T08:00:00", "2026-11-23"):
            resp = client.get("/api/calls", params={param: value})
            assert resp.status_code == 422, (param, value)
            assert "time zone" in resp.text
    assert client.get("/api/calls", params={"since": "yesterday"}).status_code == 422


FILTERS = [
    ({"category": "repair"}, ["c3", "c1"]),
    ({"unit": "3-2-502"}, ["c5", "c1"]),
    ({"agent": "1002"}, ["c6", "c2"]),
    ({"department": "service"}, ["c6", "c2"]),
    ({"department": "engineering", "agent": "1001", "unit": "9-3-1203"}, ["c3"]),
    ({"category": "repair", "since": "2026-11-23T08:00:00+08:00"}, ["c3"]),
    ({"category": "nothing-like-this"}, []),
    ({"unit": "' OR '1'='1"}, []),
]


def test_filters(client):
    for params, expected in FILTERS:
        resp = client.get("/api/calls", params=params)
        assert uids(resp) == expected, params
        assert resp.json()["total"] == len(expected), params


def test_paging(client):
    page1 = client.get("/api/calls", params={"limit": 2})
    page2 = client.get("/api/calls", params={"limit": 2, "offset": 2})
    page4 = client.get("/api/calls", params={"limit": 2, "offset": 6})
    assert uids(page1) == ["c5", "c4"] and uids(page2) == ["c6", "c3"] and uids(page4) == []
    assert page2.json()["total"] == 6 and page2.json()["offset"] == 2 and page2.json()["limit"] == 2
    filtered = client.get("/api/calls", params={"department": "engineering", "limit": 1, "offset": 1})
    assert uids(filtered) == ["c1"] and filtered.json()["total"] == 2


def test_paging_bounds(client):
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "many"}):
        assert client.get("/api/calls", params=params).status_code == 422, params
    assert client.get("/api/calls", params={"limit": 500}).status_code == 200


def test_one_call_by_id(client):
    listed = client.get("/api/calls", params={"category": "complaint"}).json()["items"][0]
    resp = client.get(f"/api/calls/{listed['id']}")
    assert resp.status_code == 200
    assert resp.json() == listed
    assert resp.json()["recording"] == {"caller": None, "agent": None, "mixed": None}


def test_unknown_id_is_404(client):
    resp = client.get("/api/calls/999999")
    assert resp.status_code == 404
    assert resp.json()["detail"] == "no call 999999"
    assert client.get("/api/calls/abc").status_code == 422


def test_hostile_caller_name_comes_back_as_json_text(client):
    resp = client.get("/api/calls", params={"agent": "1001", "unit": "3-2-502"})
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json()["items"][0]["caller_name"] == HOSTILE
    assert "<script>" in resp.text  # a JSON string; escaping for HTML is the page's job
    assert client.get("/api/calls").json()["total"] == 6  # still all there


def _down(tmp_path, url):
    settings = load_settings(data_dir=tmp_path, database_url=url)
    app = create_app(settings, background=False)
    return app, TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_no_such_database",
    "postgresql+psycopg://postgres@127.0.0.1:1/hotline",
    "sqlite:////nonexistent-dir/for/hotline.db",
])
def test_database_unreachable_is_503_json(tmp_path, url):
    app, client = _down(tmp_path, url)
    with client:
        for path in ("/api/calls", "/api/calls/1"):
            resp = client.get(path, headers={"Authorization": "Bearer any-token"})  # checking it needs the db
            assert resp.status_code == 503, (path, resp.text)
            assert resp.json() == {"detail": "database unavailable"}
    app.state.db.engine.dispose()
