"""The live wallboard end to end: real Asterisk 22, the API's own AMI link, SIPp phones.

A supervisor watches /api/wallboard/events while agent 1001 registers, a resident
(陈明, 13800000001) calls and presses 1 (repair, engineering), 1001's phone rings
for a few seconds, answers, and the resident hangs up.
"""
from __future__ import annotations

import httpx
import pytest

from auth_helpers import create_user, login
from hotline_instance import start_hotline, stop_hotline
from sse_helpers import Sse
from telephony.db.session import Database
from telephony.sipp.media import Digits, Silence
from telephony.sipp.phones import agent_phone, resident_call

pytestmark = pytest.mark.e2e
PASSWORD = "hotline-demo"
RING_MS = 4000
LINGER_MS = 3000  # the phone stays registered after the call, for the wall to show it ready
QUEUE = "dept-engineering"
KEEPALIVE_S = "1"  # the stream's deadlines are checked as lines arrive: keep them coming
CALL_TIMEOUT_S = 40.0  # greeting, menu, ring and talk, on a busy machine
REGISTER_TIMEOUT_S = 30.0  # SIPp's start, its REGISTER and the challenge, on a busy machine


@pytest.fixture
def hotline(tmp_path, db_url):
    instance = start_hotline(tmp_path, db_url, wallboard_keepalive_s=KEEPALIVE_S)
    yield instance
    stop_hotline(instance)


def engineering(snap) -> dict:
    return next(q for q in snap["queues"] if q["queue"] == QUEUE)


def agent_1001(snap) -> dict:
    return next(a for a in snap["agents"] if a["agent"] == "1001")


def sip_messages(work, prefix: str, chars: int = 3000) -> str:
    logs = sorted(work.glob(f"{prefix}*.messages.log"))
    return "\n".join(f"{log.name}:\n{log.read_text(errors='replace')[-chars:]}" for log in logs) or "no SIPp log"


def test_a_call_waits_rings_talks_and_leaves_the_wall_empty(hotline, tmp_path, db_url):
    db = Database(db_url)
    create_user(db, "sup", "supervisor", departments=["engineering"])
    db.engine.dispose()
    with httpx.Client(base_url=f"http://127.0.0.1:{hotline.api_port}", timeout=10) as api:
        headers = login(api, "sup")
        with api.stream("GET", "/api/wallboard/events", headers=headers) as resp:
            assert resp.status_code == 200, resp.read()
            sse = Sse(resp)
            snap = sse.snapshot_where(lambda s: s["connected"])  # the API's AMI link is up
            assert agent_1001(snap)["state"] == "offline"  # not registered yet
            assert (agent_1001(snap)["name"], agent_1001(snap)["department"]) == ("王建国", "engineering")

            agent = agent_phone(hotline.remote, tmp_path, user="1001", password=PASSWORD,
                                ring_ms=RING_MS, linger_ms=LINGER_MS).start()
            try:
                sse.snapshot_where(lambda s: agent_1001(s)["state"] == "ready", REGISTER_TIMEOUT_S)
            except AssertionError as e:  # say whether the phone registered at all
                asterisk_log = (hotline.data_dir / "asterisk" / "log" / "messages.log").read_text(errors="replace")
                raise AssertionError(f"{e}\n{sip_messages(tmp_path, 'agent1001-')}\nAsterisk on 1001:\n"
                                     + "\n".join(l for l in asterisk_log.splitlines() if "1001" in l)) from None
            resident = resident_call(hotline.remote, tmp_path, caller_number="13800000001",
                                     media=[Silence(1500), Digits("1"), Silence(16000)], tail_ms=1000).start()

            ringing = sse.snapshot_where(lambda s: agent_1001(s)["state"] == "ringing", CALL_TIMEOUT_S)
            assert agent_1001(ringing)["queue"] == QUEUE
            [waiting] = engineering(ringing)["waiting"]  # the caller waits while the phone rings
            assert waiting["position"] == 1 and waiting["caller"] == "138****0001"
            assert waiting["wait_s"] >= 0 and engineering(ringing)["calls_waiting"] == 1
            assert engineering(ringing)["agents_ready"] == 0

            talking = sse.snapshot_where(lambda s: agent_1001(s)["state"] == "talking", CALL_TIMEOUT_S)
            assert agent_1001(talking)["queue"] == QUEUE
            assert engineering(talking)["waiting"] == [] and engineering(talking)["calls_waiting"] == 0

            done = sse.snapshot_where(lambda s: agent_1001(s)["state"] == "ready", CALL_TIMEOUT_S)
            assert engineering(done)["waiting"] == [] and engineering(done)["agents_ready"] == 1
            assert "13800000001" not in str(done)
            resident.wait().check()
            agent.wait().check()

        # The plain snapshot agrees; the phone has un-registered since.
        snap = api.get("/api/wallboard", headers=headers).json()
        assert snap["connected"] is True and engineering(snap)["calls_waiting"] == 0
        assert agent_1001(snap)["state"] == "offline"
