"""GET /api/wallboard and /api/wallboard/events (server-sent events), over a real database.

No Asterisk here: the app runs without its background threads and the tests feed
the wallboard's state machine (app.state.wallboard) directly with AMI events.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from sse_helpers import STREAM_TIMEOUT_S, Sse
from telephony.api.main import create_app
from telephony.core.config import load_settings
from telephony.demo import load_demo
from telephony.pbx.wallboard_feed import roster_from_db

COALESCE_S, KEEPALIVE_S = 0.1, 0.5


def join(uid, t, number="13800000001", queue="dept-engineering", position=1):
    return {"Event": "QueueCallerJoin", "Timestamp": f"{t:.6f}", "Queue": queue, "Uniqueid": uid,
            "Position": str(position), "CallerIDNum": number, "CallerIDName": "Resident"}


def member_status(agent, code, t, queue="dept-engineering"):
    return {"Event": "QueueMemberStatus", "Timestamp": f"{t:.6f}", "Queue": queue, "MemberName": agent,
            "Interface": f"PJSIP/{agent}", "Status": str(code), "Paused": "0"}


@pytest.fixture
def app(tmp_path, db_url, db):
    settings = load_settings(data_dir=tmp_path / "data", database_url=db_url,
                             wallboard_coalesce_s=COALESCE_S, wallboard_keepalive_s=KEEPALIVE_S)
    load_demo(db, settings)
    for username, role in (("sup", "supervisor"), ("boss", "admin"), ("agent1001", "agent")):
        create_user(db, username, role, departments=settings.departments, agent="1001")
    app = create_app(settings, background=False)
    app.state.wallboard.set_agents(roster_from_db(app.state.db), time.time())
    app.state.wallboard.set_connected(True, time.time())
    yield app
    app.state.db.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        login(c, "sup")  # the cookie, as an EventSource sends it
        yield c


def engineering(snap) -> dict:
    return next(q for q in snap["queues"] if q["queue"] == "dept-engineering")


def agent(snap, number="1001") -> dict:
    return next(a for a in snap["agents"] if a["agent"] == number)


def test_the_snapshot(client, app):
    now = time.time()
    app.state.wallboard.feed(member_status("1001", 1, now), now)
    app.state.wallboard.feed(join("c1", now - 4), now)
    resp = client.get("/api/wallboard")
    assert resp.status_code == 200, resp.text
    snap = resp.json()
    assert set(snap) == {"updated_at", "connected", "queues", "agents"}
    assert snap["connected"] is True
    eng = engineering(snap)
    assert (eng["department"], eng["name_zh"], eng["calls_waiting"], eng["agents_ready"]) == (
        "engineering", "工程维修", 1, 1)
    [w] = eng["waiting"]
    assert (w["uniqueid"], w["position"], w["caller"]) == ("c1", 1, "138****0001")
    assert 4.0 <= w["wait_s"] < 4.0 + STREAM_TIMEOUT_S and eng["longest_wait_s"] == w["wait_s"]
    # Agents from the agents table, with their names; no queue member yet is offline.
    assert [(a["agent"], a["name"], a["department"], a["state"]) for a in snap["agents"]] == [
        ("1001", "王建国", "engineering", "ready"), ("1002", "李秀英", "service", "offline"),
        ("1003", "张伟", "security", "offline"), ("1004", "刘芳", "billing", "offline")]
    assert "13800000001" not in resp.text


def test_only_supervisors_and_admins_see_the_wallboard(app):
    with TestClient(app) as c:
        for path in ("/api/wallboard", "/api/wallboard/events"):
            assert c.get(path).status_code == 401, path
        agent_headers = login(c, "agent1001")
        c.cookies.clear()
        for path in ("/api/wallboard", "/api/wallboard/events"):
            assert c.get(path, headers=agent_headers).status_code == 403, path
        assert c.get("/api/wallboard", headers=login(c, "boss")).status_code == 200


def test_the_stream_starts_with_a_snapshot_then_sends_changes(client, app):
    with client.stream("GET", "/api/wallboard/events") as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["cache-control"] == "no-cache"
        sse = Sse(resp)
        name, first = sse.next_event()
        assert name == "snapshot" and engineering(first)["calls_waiting"] == 0
        now = time.time()
        app.state.wallboard.feed(join("c1", now), now)
        snap = sse.snapshot_where(lambda s: engineering(s)["calls_waiting"] == 1)
        assert engineering(snap)["waiting"][0]["caller"] == "138****0001"
        app.state.wallboard.feed(member_status("1001", 6, now + 1), now + 1)
        sse.snapshot_where(lambda s: agent(s)["state"] == "ringing")
        app.state.wallboard.set_connected(False, now + 2)
        sse.snapshot_where(lambda s: s["connected"] is False)


def test_a_burst_of_events_is_coalesced(client, app):
    with client.stream("GET", "/api/wallboard/events") as resp:
        sse = Sse(resp)
        sse.next_event()
        now, started = time.time(), time.monotonic()
        burst = 200
        for i in range(burst):
            app.state.wallboard.feed(join(f"c{i}", now, position=i + 1), now)
        feeding_s = time.monotonic() - started
        snaps = [sse.snapshot_where(lambda s: True)]
        while engineering(snaps[-1])["calls_waiting"] < burst:
            snaps.append(sse.snapshot_where(lambda s: True))
        # one snapshot per coalescing interval at most, however slow the machine fed them
        assert len(snaps) <= 2 + feeding_s / COALESCE_S, (feeding_s, [engineering(s)["calls_waiting"] for s in snaps])
        assert len(snaps) < burst / 10


def test_a_quiet_stream_gets_keep_alive_comments(client):
    with client.stream("GET", "/api/wallboard/events") as resp:
        sse = Sse(resp)
        sse.next_event()
        started = time.monotonic()
        for line in sse.lines:
            if line.startswith(":"):
                break
        waited = time.monotonic() - started
        assert KEEPALIVE_S * 0.5 <= waited < KEEPALIVE_S + STREAM_TIMEOUT_S


async def _tasks() -> int:
    return len(asyncio.all_tasks())


def test_several_streams_at_once_and_none_outlives_its_client(client, app):
    idle_tasks = client.portal.call(_tasks)
    idle_threads = threading.active_count()
    streams = [client.stream("GET", "/api/wallboard/events") for _ in range(3)]
    readers = [Sse(s.__enter__()) for s in streams]
    for sse in readers:
        assert sse.next_event()[0] == "snapshot"
    # Sign-in's database session is not held open by a stream.
    assert app.state.db.engine.pool.checkedout() == 0
    now = time.time()
    app.state.wallboard.feed(join("c1", now), now)
    for sse in readers:
        sse.snapshot_where(lambda s: engineering(s)["calls_waiting"] == 1)
    assert client.portal.call(_tasks) > idle_tasks
    for s in streams:
        s.__exit__(None, None, None)
    deadline = time.monotonic() + STREAM_TIMEOUT_S
    while client.portal.call(_tasks) > idle_tasks and time.monotonic() < deadline:
        time.sleep(COALESCE_S)
    assert client.portal.call(_tasks) == idle_tasks  # every stream's coroutine has ended
    assert threading.active_count() <= idle_threads  # and none left a thread behind
