"""A resident's call end to end: real Asterisk 22, our FastAGI, SIPp phones.

Each test starts its own hotline (`hotline up`) with the demo property, on
SQLite and on PostgreSQL. Demo residents: 陈明 13800000001 in 3-2-502, 赵丽 in
5-1-101. Demo agents (password hotline-demo): 1001 engineering, 1002 service
(reception). Demo users (same password): admin sees every call with residents masked,
supervisor (all departments) sees them in full.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydub import AudioSegment

from telephony.sipp.media import Digits, Silence, Speech
from telephony.sipp.phones import agent_phone, rejected_call, resident_call

pytestmark = pytest.mark.e2e
PASSWORD = "hotline-demo"


@pytest.fixture
def pcaps(shared_dir) -> Path:
    return shared_dir / "audio" / "hotline-dev" / "pcap"


def speech_seconds(wav, threshold: int = 300) -> float:
    """Seconds of the WAV (a path or a file object) that carry sound (1 s windows above an RMS threshold)."""
    audio = AudioSegment.from_wav(wav)
    return float(sum(1 for i in range(0, len(audio), 1000) if audio[i:i + 1000].rms > threshold))


def test_known_resident_presses_1_and_engineering_answers_on_the_second_ring(hotline, tmp_path, pcaps):
    agent = agent_phone(hotline.remote, tmp_path, user="1001", password=PASSWORD, ring_ms=7000,
                        greeting_pcap=pcaps / "greet_ok_01.pcap").start()
    # 1 during the greeting; no unit to key in (caller ID knows 3-2-502); the
    # agent answers ~12 s after the ACK and greets; the resident then speaks.
    resident = resident_call(hotline.remote, tmp_path, caller_number="13800000001", caller_name="Chen",
                             media=[Silence(1500), Digits("1"), Silence(19000),
                                    Speech(pcaps / "req_repair_01.pcap")], tail_ms=2000)
    resident.run().check()
    agent.wait().check()

    hotline.login("supervisor", PASSWORD)
    [call] = hotline.wait_for_calls(1)
    assert call["caller_number"] == "13800000001"
    assert call["caller_name"] == "陈明"
    assert call["resident_id"] is not None
    assert call["unit"] == "3-2-502"
    assert (call["category"], call["urgency"], call["department"]) == ("repair", "normal", "engineering")
    assert call["agent"] == "1001"
    assert call["disposition"] == "answered"
    assert call["hangup_by"] == "caller"
    assert abs(call["ring_ms"] - 7000) <= 500, call["ring_ms"]
    assert call["rings"] == 2
    assert call["queue_wait_ms"] >= call["ring_ms"] - 500
    assert 0 <= call["ivr_answer_ms"] < 1000
    assert call["talk_ms"] > 5000
    assert call["started_at"].endswith("+08:00") and call["answered_at"] and call["ended_at"]
    # Each leg holds its own speaker: the agent's greeting, the resident's request (fetched
    # through the API by token, as the page's players do).
    assert speech_seconds(hotline.recording(call["recording"]["agent"])) >= 3
    assert speech_seconds(hotline.recording(call["recording"]["caller"])) >= 3
    assert speech_seconds(hotline.recording(call["recording"]["mixed"])) >= 6
    # The API's detail view and the CLI agree with the list.
    assert hotline.api(f"/api/calls/{call['id']}").json() == call
    listed = hotline.cli("calls", "--json", "--limit", "1")
    assert listed.returncode == 0, listed.stderr
    assert '"rings": 2' in listed.stdout
    assert speech_seconds(json.loads(listed.stdout)["recording"]["agent"]) >= 3  # the CLI keeps the paths
    # Every playback is in the access log; the admin sees the resident masked.
    log = hotline.api("/api/access-log").json()
    assert [(e["username"], e["call_id"], e["action"]) for e in log["items"]] == [("supervisor", call["id"], "play")] * 3
    hotline.login("admin", PASSWORD)
    masked = hotline.api(f"/api/calls/{call['id']}").json()
    assert (masked["caller_number"], masked["caller_name"], masked["unit"]) == ("138****0001", "陈*", "3-*-***")
    hotline.login("agent1002", PASSWORD)
    assert hotline.api(f"/api/calls/{call['id']}").status_code == 403  # 1001 answered it, not 1002
    assert hotline.api(call["recording"]["mixed"]).status_code == 403


def test_unknown_caller_keys_in_the_unit_and_the_agent_hangs_up(hotline, tmp_path, pcaps):
    agent = agent_phone(hotline.remote, tmp_path, user="1002", password=PASSWORD, ring_ms=2000,
                        greeting_pcap=pcaps / "greet_ok_02.pcap", agent_hangs_up=True,
                        talk_ms=4000).start()
    # 3 = inquiry (customer service); then building 5 #, entrance 1 #, room 101 #.
    resident = resident_call(hotline.remote, tmp_path, caller_number="13912345678", caller_name="Visitor",
                             media=[Silence(1500), Digits("3"), Silence(2500), Digits("5#1#101#")],
                             wait_for_bye=True)
    resident.run().check()
    agent.wait().check()

    hotline.login("supervisor", PASSWORD)
    [call] = hotline.wait_for_calls(1)
    assert call["caller_number"] == "13912345678"
    assert call["resident_id"] is None
    assert call["unit"] == "5-1-101"
    assert (call["category"], call["department"], call["agent"]) == ("inquiry", "service", "1002")
    assert call["rings"] == 1 and abs(call["ring_ms"] - 2000) <= 500
    assert call["disposition"] == "answered"
    assert call["hangup_by"] == "agent"


def test_caller_hangs_up_while_the_agent_rings(hotline, tmp_path):
    agent = agent_phone(hotline.remote, tmp_path, user="1001", password=PASSWORD, answer=False,
                        wait_ms=40_000).start()
    resident = resident_call(hotline.remote, tmp_path, media=[Silence(1500), Digits("1")],
                             hold_ms=12_000)
    resident.run().check()
    agent.wait().check()

    [call] = hotline.wait_for_calls(1)
    assert call["disposition"] == "abandoned"
    assert call["hangup_by"] == "caller"
    assert call["category"] == "repair" and call["department"] == "engineering"
    assert call["agent"] is None and call["rings"] is None and call["answered_at"] is None
    assert call["recording"] == {"caller": None, "agent": None, "mixed": None}
    # The missed resident is owed a callback, on the engineering supervisors' desk, due within
    # the repair reply limit.
    hotline.login("supervisor", PASSWORD)
    [callback] = hotline.api("/api/callbacks", status="open").json()["items"]
    assert (callback["call_id"], callback["reason"], callback["department"]) == (call["id"], "abandoned", "engineering")
    assert callback["phone"] == "13800000001" and callback["overdue"] is False


def test_call_still_reaches_reception_and_the_log_while_fastagi_is_down(hotline, tmp_path, pcaps):
    hotline.stop_agi()
    agent = agent_phone(hotline.remote, tmp_path, user="1002", password=PASSWORD, ring_ms=2000,
                        greeting_pcap=pcaps / "greet_ok_03.pcap").start()
    # The fail-safe dialplan plays the greeting itself, then rings reception.
    resident = resident_call(hotline.remote, tmp_path, caller_number="13800000001",
                             media=[Silence(14_000), Speech(pcaps / "req_inquiry_01.pcap")], tail_ms=1000)
    resident.run().check()
    agent.wait().check()

    hotline.login("supervisor", PASSWORD)
    [call] = hotline.wait_for_calls(1, timeout=40)  # rebuilt from CDR + queue_log
    assert call["caller_number"] == "13800000001"
    assert call["unit"] == "3-2-502"  # the resident is still found by caller ID
    assert call["department"] == "service" and call["agent"] == "1002"
    assert call["disposition"] == "answered"
    assert call["hangup_by"] == "caller"
    assert call["rings"] == 1  # queue_log's whole seconds: 2 s of ringing
    assert speech_seconds(hotline.recording(call["recording"]["agent"])) >= 3


def test_other_numbers_are_refused_and_never_logged(hotline, tmp_path):
    for number in ("9001", "00861065123456", "1001"):
        result = rejected_call(hotline.remote, tmp_path, number=number, name=f"reject-{number}").run()
        result.check()
        final = [s for s in result.received_statuses("INVITE") if s >= 300]
        assert final and 400 <= final[-1] < 500, (number, result.received_statuses("INVITE"))
    assert hotline.api("/api/calls").json()["total"] == 0


def test_hostile_caller_id_is_stored_as_inert_text(hotline, tmp_path):
    payload = "<script>alert(1)</script>'; DROP TABLE calls; --"
    hostile = payload + "x" * 1000
    resident = resident_call(hotline.remote, tmp_path, caller_number="13700000000", caller_name=hostile,
                             media=[Silence(3000)])
    resident.run().check()

    [call] = hotline.wait_for_calls(1)  # the admin's view: the name masked to its first character
    assert call["caller_name"] == payload[0] + "*"
    assert call["disposition"] == "abandoned" and call["hangup_by"] == "caller"
    # Asterisk itself keeps the first 80 characters; what reaches us is stored literally.
    listed = hotline.cli("calls", "--json", "--limit", "1")
    stored = json.loads(listed.stdout)["caller_name"]
    assert stored.startswith(payload)
    assert hostile.startswith(stored) and len(stored) <= 128
    assert hotline.api("/api/calls").json()["total"] == 1  # the table is still there


def test_an_agent_added_while_running_takes_calls_at_once(hotline, tmp_path):
    added = hotline.cli("agents", "add", "1009", "--name", "新同事", "--department", "engineering",
                        "--password", "fresh-pass-9")
    assert added.returncode == 0, added.stderr
    assert "applied to the running hotline" in added.stdout
    agent = agent_phone(hotline.remote, tmp_path, user="1009", password="fresh-pass-9", ring_ms=1000).start()
    # 1001 (engineering) is not registered, so only the new agent can answer.
    resident_call(hotline.remote, tmp_path, media=[Silence(1500), Digits("1"), Silence(8000)],
                  tail_ms=1000).run().check()
    agent.wait().check()

    [call] = hotline.wait_for_calls(1)
    assert call["agent"] == "1009" and call["disposition"] == "answered"
