"""Answered calls are transcribed and audited after they end (real Whisper, real calls)."""
from __future__ import annotations


import pytest

from hotline_instance import start_hotline, stop_hotline
from telephony.sipp.media import Digits, Silence, Speech
from telephony.sipp.phones import agent_phone, resident_call

pytestmark = pytest.mark.e2e


def place_call(hotline, work, pcaps, agent_says: str, agent_hangs_up: bool = False) -> dict:
    agent = agent_phone(hotline.remote, work, user="1001", password="hotline-demo", ring_ms=2000,
                        greeting_pcap=pcaps / agent_says, agent_hangs_up=agent_hangs_up,
                        talk_ms=9000).start()
    resident_call(hotline.remote, work, caller_number="13800000001",
                  media=[Silence(1500), Digits("1"), Silence(14_000),
                         Speech(pcaps / "req_repair_02.pcap")],
                  wait_for_bye=agent_hangs_up, tail_ms=1500).run().check()
    agent.wait().check()
    return hotline.wait_for_calls(1)[-1]


def test_greeting_hangup_order_and_privacy_are_audited(tmp_path, db_url, shared_dir, whisper_model_dir):
    pcaps = shared_dir / "audio" / "hotline-dev" / "pcap"
    # One assembled Whisper model for every hotline the tests start.
    hotline = start_hotline(tmp_path, db_url, model_cache_dir=str(whisper_model_dir.parent))
    try:
        good = place_call(hotline, tmp_path / "good", pcaps, "greet_ok_01.pcap")
        audit = hotline.wait_for_audit(good["id"], timeout=180)
        assert audit["status"] == "done", audit
        verdicts = audit["verdicts"]
        assert verdicts["greeting"]["verdict"] == "pass", verdicts["greeting"]
        assert verdicts["hangup_order"]["verdict"] == "pass"
        assert verdicts["rings"]["verdict"] == "pass"
        assert verdicts["privacy"]["verdict"] == "pass"
        transcript = hotline.api(f"/api/calls/{good['id']}/transcript").json()
        assert "物业" in transcript["legs"]["agent"]["text"]
        assert transcript["legs"]["caller"]["segments"], transcript

        rude = place_call(hotline, tmp_path / "rude", pcaps, "greet_bad_01.pcap", agent_hangs_up=True)
        verdicts = hotline.wait_for_audit(rude["id"], timeout=180)["verdicts"]
        assert verdicts["greeting"]["verdict"] == "fail", verdicts["greeting"]
        assert verdicts["hangup_order"]["verdict"] == "fail"

        nosy = place_call(hotline, tmp_path / "nosy", pcaps, "privacy_bad_01.pcap")
        verdicts = hotline.wait_for_audit(nosy["id"], timeout=180)["verdicts"]
        assert verdicts["privacy"]["verdict"] == "fail", verdicts["privacy"]
        assert "身份证" in str(verdicts["privacy"]["evidence"])
    finally:
        stop_hotline(hotline)
