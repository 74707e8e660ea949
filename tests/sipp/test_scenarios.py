"""The scenarios, run by the real SIPp on 127.0.0.1.

Peers: SIPp's own embedded UAS (``sipp -sn uas``) and FakePbx (fakepbx.py), a
small registrar/answerer/caller that checks digest auth, the SIP flows and
records the RTP the phones send (decoding RFC 2833 key presses).
Each test is bounded by SIPp's -timeout and the runner's Python timeout.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from fakepbx import FakePbx, SipMessage
from sipp_support import AGENTS, SPEECH_PCAPS

from telephony.sipp import (
    SCENARIO_DIR,
    Digits,
    ScenarioError,
    Silence,
    Sipp,
    Speech,
    agent_phone,
    build_media_pcap,
    free_udp_port,
    rejected_call,
    resident_call,
    silence_pcap,
)
from telephony.sipp.runner import scenario_globals

SCENARIOS = sorted(p.name for p in SCENARIO_DIR.glob("*.xml"))
OOC = {"agent_answer.xml", "agent_noanswer.xml"}


def test_expected_scenarios_exist() -> None:
    assert set(SCENARIOS) >= {
        "agent_register.xml",
        "agent_answer.xml",
        "agent_noanswer.xml",
        "resident_call.xml",
        "resident_call_wait_bye.xml",
        "resident_call_rejected.xml",
    }


def _load_only(scenario: Path, work: Path, ooc: Path | None = None) -> Sipp:
    """A SIPp run of ``scenario`` aimed at a port where nothing answers: it
    must load (else ScenarioError) and then simply time out."""
    declared = scenario_globals(scenario) | (scenario_globals(ooc) if ooc else set())
    pcap = silence_pcap(work / "silence.pcap", 100).path
    return Sipp(
        scenario=scenario,
        ooc_scenario=ooc,
        work_dir=work,
        remote=f"127.0.0.1:{free_udp_port()}",  # nothing listens there
        service="1001",
        variables={name: "1" for name in declared if name != "calls_done"},
        keywords={"agent_pcap": pcap, "media_pcap": pcap},
        timeout_s=1,
    )


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n not in OOC])
def test_sipp_loads_scenario(name: str, tmp_path: Path) -> None:
    ooc = SCENARIO_DIR / "agent_answer.xml" if name == "agent_register.xml" else None
    result = _load_only(SCENARIO_DIR / name, tmp_path, ooc).run(timeout=20)
    assert result.stats_file.exists()  # SIPp got past loading it
    assert not result.ok  # nobody answered


@pytest.mark.parametrize("ooc", sorted(OOC))
def test_sipp_loads_ooc_scenario(ooc: str, tmp_path: Path) -> None:
    result = _load_only(SCENARIO_DIR / "agent_register.xml", tmp_path, SCENARIO_DIR / ooc).run(timeout=20)
    assert result.stats_file.exists()


def test_broken_scenario_is_reported_as_scenario_error(tmp_path: Path) -> None:
    """The load check above can fail: the same scenario with one bad element."""
    broken = tmp_path / "resident_call.xml"
    broken.write_text((SCENARIO_DIR / "resident_call.xml").read_text().replace("<pause ", "<pawse ", 1))
    with pytest.raises(ScenarioError, match="Unknown element 'pawse'"):
        _load_only(broken, tmp_path).run(timeout=20)


def test_missing_key_is_reported_as_scenario_error(tmp_path: Path) -> None:
    sipp = _load_only(SCENARIO_DIR / "resident_call.xml", tmp_path)
    sipp.keywords = {}
    with pytest.raises(ScenarioError, match="keyword not supplied"):
        sipp.run(timeout=20)


# ------------------------------------------------------------- vs. sipp -sn uas


def test_resident_call_against_sipps_own_uas(tmp_path: Path) -> None:
    uas_xml = tmp_path / "uas.xml"
    uas_xml.write_text(subprocess.run(["sipp", "-sd", "uas"], capture_output=True, text=True).stdout)
    uas = Sipp(scenario=uas_xml, work_dir=tmp_path, name="uas", timeout_s=20).start()
    try:
        time.sleep(0.3)
        caller = resident_call(
            f"127.0.0.1:{uas.sipp.local_port}", tmp_path, media=[Silence(200), Digits("1")], tail_ms=300
        )
        result = caller.run()
        result.check()
        assert result.successful_calls == 1
        assert result.received_statuses("INVITE")[-1] == 200
        assert uas.wait(timeout=20).check().successful_calls == 1
    finally:
        uas.stop()


# ------------------------------------------------------------- residents vs FakePbx


def test_resident_keys_unit_and_speaks(pbx: FakePbx, tmp_path: Path) -> None:
    media = [
        Silence(1000), Digits("1"), Silence(600),
        Digits("12#"), Digits("3#"), Digits("0402#"),
        Silence(300), Speech(SPEECH_PCAPS / "req_repair_01.pcap"),
    ]
    sipp = resident_call(pbx.address, tmp_path, media=media, caller_number="13900000007",
                         caller_name="Li Lei", tail_ms=500)
    result = sipp.run()
    result.check()
    dialog = pbx.next_incoming(1)
    assert dialog.invite is not None
    assert dialog.invite.request_uri.startswith(f"sip:8000@127.0.0.1:{pbx.port}")
    assert dialog.caller.startswith('"Li Lei" <sip:13900000007@127.0.0.1>')
    dialog.wait_ended(2)
    assert dialog.ended_by == "remote"  # the resident's BYE
    assert dialog.rtp.dtmf_digits() == "112#3#0402#"
    speech = [p for p in dialog.rtp.audio_packets() if p.payload != b"\xff" * 160]
    assert len(speech) > 200  # req_repair_01 is 266 packets, some of them may be silent
    assert {p.source for p in dialog.rtp.packets} == {("127.0.0.1", sipp.media_port)}
    # the keys left when planned: "1" ~1.0 s after the first packet, not all at once
    first = dialog.rtp.packets[0].arrival
    key_times = [t - first for _, _, t in dialog.rtp.dtmf_events()]
    assert key_times[0] == pytest.approx(1.0, abs=0.3)
    assert key_times[-1] - key_times[0] > 4.0


def test_resident_hangs_up_early_after_keying(pbx: FakePbx, tmp_path: Path) -> None:
    sipp = resident_call(pbx.address, tmp_path, media=[Silence(300), Digits("1")], hold_ms=1200)
    start = time.monotonic()
    sipp.run().check()
    assert time.monotonic() - start < 5
    dialog = pbx.next_incoming(1)
    dialog.wait_ended(2)
    assert dialog.ended_by == "remote" and dialog.rtp.dtmf_digits() == "1"


def test_resident_waits_for_far_end_bye(pbx: FakePbx, tmp_path: Path) -> None:
    handle = resident_call(pbx.address, tmp_path, media=[Silence(300)], wait_for_bye=True).start()
    try:
        dialog = pbx.next_incoming(5)
        assert dialog.acked.wait(5)
        time.sleep(0.5)
        assert dialog.bye().status == 200
        handle.wait(timeout=20).check()
    finally:
        handle.stop()


def test_resident_call_fails_if_far_end_hangs_up_first(pbx: FakePbx, tmp_path: Path) -> None:
    handle = resident_call(pbx.address, tmp_path, media=[Silence(300)], hold_ms=10_000).start()
    try:
        dialog = pbx.next_incoming(5)
        assert dialog.acked.wait(5)
        dialog.bye()
        result = handle.wait(timeout=20)
        assert not result.ok and result.failed_calls == 1
    finally:
        handle.stop()


def test_several_calls_from_one_sipp(pbx: FakePbx, tmp_path: Path) -> None:
    media = build_media_pcap([Silence(200), Digits("2")], tmp_path / "bench.pcap")
    result = resident_call(pbx.address, tmp_path, media=media, hold_ms=600, calls=3, rate=5, limit=3).run()
    result.check()
    assert result.successful_calls == 3
    dialogs = [pbx.next_incoming(1) for _ in range(3)]
    assert len({d.call_id for d in dialogs}) == 3
    assert all(d.rtp.dtmf_digits() == "2" for d in dialogs)


@pytest.mark.parametrize("code", [404, 403])
def test_call_to_other_number_is_rejected(tmp_path: Path, code: int) -> None:
    with FakePbx(reject_code=code) as pbx:
        result = rejected_call(pbx.address, tmp_path, number="9001").run()
        result.check()
        dialog = pbx.next_incoming(1)
        assert dialog.final_status == code
        assert result.received_statuses("INVITE")[-1] == code
        # our ACK reached the PBX in the INVITE transaction (same branch)
        time.sleep(0.2)
        acks = [m for m in dialog.log if m.is_request and m.method == "ACK"]
        assert len(acks) == 1 and acks[0].branch == dialog.invite.branch  # type: ignore[union-attr]


def test_rejected_scenario_fails_when_the_call_is_answered(pbx: FakePbx, tmp_path: Path) -> None:
    result = rejected_call(pbx.address, tmp_path, number="8000").run()
    assert not result.ok and result.failed_calls == 1
    assert 200 in result.received_statuses("INVITE")


# ------------------------------------------------------------- agents vs FakePbx


def _options(pbx: FakePbx, user: str) -> SipMessage:
    reg = pbx.registrations[user]
    msg = SipMessage(
        f"OPTIONS {reg.contact} SIP/2.0",
        [("Via", f"SIP/2.0/UDP 127.0.0.1:{pbx.port};branch=z9hG4bKqualify{time.monotonic_ns()}"),
         ("From", "<sip:asterisk@127.0.0.1>;tag=q1"), ("To", f"<sip:{user}@127.0.0.1>"),
         ("Call-ID", f"qualify-{time.monotonic_ns()}@fake"), ("CSeq", "1 OPTIONS"), ("Max-Forwards", "70")],
    )
    pbx.send(msg, reg.source)
    return msg


def test_agent_registers_answers_and_unregisters(pbx: FakePbx, tmp_path: Path) -> None:
    handle = agent_phone(pbx.address, tmp_path, user="1001", password=AGENTS["1001"], ring_ms=700,
                         greet_delay_ms=300, greeting_pcap=SPEECH_PCAPS / "greet_ok_01.pcap",
                         wait_ms=20_000).start()
    try:
        reg = pbx.wait_registered("1001", 5)
        assert reg.contact == f"sip:1001@127.0.0.1:{handle.sipp.local_port}" and reg.expires == 300
        qualify = _options(pbx, "1001")  # Asterisk qualify: must get a 200, not disturb anything
        dialog = pbx.invite("1001")
        ringing_at = dialog.wait_status(180, 5)
        start = time.monotonic()
        final = dialog.wait_final(5)
        assert final.status == 200 and time.monotonic() - start == pytest.approx(0.7, abs=0.3)
        _, port, pts = dialog.remote_media(final)
        assert port == handle.sipp.media_port and pts == [0, 101]
        time.sleep(1.5)
        assert len(dialog.rtp.audio_packets()) > 30  # the greeting arrives
        assert dialog.bye().status == 200
        result = handle.wait(timeout=20)
        result.check()
        assert ringing_at.header("to").count("tag=") == 1
        pbx.wait_unregistered("1001", 1)
        assert [e for u, e, s in pbx.register_log if u == "1001"] == [300, 0]
        replies = [m for d, m in pbx.log if d == "in" and m.call_id == qualify.call_id]
        assert [m.status for m in replies] == [200]
        assert "agent 1001: call" in "\n".join(result.log_lines())
    finally:
        handle.stop()


def test_agent_hangs_up(pbx: FakePbx, tmp_path: Path) -> None:
    handle = agent_phone(pbx.address, tmp_path, user="1001", password=AGENTS["1001"], ring_ms=100,
                         greet_delay_ms=200, agent_hangs_up=True, talk_ms=800, wait_ms=20_000).start()
    try:
        pbx.wait_registered("1001", 5)
        dialog = pbx.invite("1001")
        dialog.wait_final(5)
        start = time.monotonic()
        bye = pbx.wait_remote_bye(dialog, 5)
        assert time.monotonic() - start == pytest.approx(1.0, abs=0.4)
        assert bye.request_uri == f"sip:8000@127.0.0.1:{pbx.port}"  # the INVITE's Contact
        assert bye.header("to").startswith('"Hotline" <sip:8000@127.0.0.1>;tag=')
        assert bye.header("from").startswith("<sip:1001@127.0.0.1>;tag=")
        handle.wait(timeout=20).check()
        pbx.wait_unregistered("1001", 1)
    finally:
        handle.stop()


def test_agent_rings_until_cancelled(pbx: FakePbx, tmp_path: Path) -> None:
    handle = agent_phone(pbx.address, tmp_path, user="1002", password=AGENTS["1002"], answer=False,
                         wait_ms=20_000).start()
    try:
        pbx.wait_registered("1002", 5)
        _options(pbx, "1002")
        dialog = pbx.invite("1002")
        dialog.wait_status(180, 5)
        time.sleep(1.0)  # still ringing: no final response
        assert not [m for m in dialog.log if not m.is_request and m.status >= 200]
        ok, final = dialog.cancel()
        assert ok.status == 200 and final.status == 487 and final.header("cseq") == "102 INVITE"
        result = handle.wait(timeout=20)
        result.check()
        pbx.wait_unregistered("1002", 1)
    finally:
        handle.stop()


def test_agent_without_call_fails_but_unregisters(pbx: FakePbx, tmp_path: Path) -> None:
    result = agent_phone(pbx.address, tmp_path, user="1002", password=AGENTS["1002"], wait_ms=1000).run(timeout=20)
    assert not result.ok and result.failed_calls == 1
    # (SIPp prints a double variable that is 0 as an empty string)
    assert any(re.match(r"FAILED: agent 1002 handled 0? of 1 calls", line) for line in result.log_lines())
    assert [e for u, e, s in pbx.register_log] == [300, 0]


def test_agent_with_wrong_password_fails(pbx: FakePbx, tmp_path: Path) -> None:
    result = agent_phone(pbx.address, tmp_path, user="1001", password="wrong", wait_ms=1000).run(timeout=20)
    assert not result.ok
    assert "1001" not in pbx.registrations
    assert result.received_statuses("REGISTER")[:2] == [401, 401]


def test_agent_handles_several_calls(pbx: FakePbx, tmp_path: Path) -> None:
    handle = agent_phone(pbx.address, tmp_path, user="1001", password=AGENTS["1001"], answer=False,
                         expected_calls=2, wait_ms=20_000).start()
    try:
        pbx.wait_registered("1001", 5)
        for _ in range(2):
            dialog = pbx.invite("1001")
            dialog.wait_status(180, 5)
            assert dialog.cancel()[1].status == 487
        handle.wait(timeout=20).check()
    finally:
        handle.stop()


def test_logs_are_in_the_work_dir(pbx: FakePbx, tmp_path: Path) -> None:
    result = rejected_call(pbx.address, tmp_path / "logs", number="9", name="rej").run()
    for path in (result.message_log, result.error_log, result.stats_file, result.screen_file):
        assert path.parent == tmp_path / "logs"
    assert result.message_log.read_text().count("INVITE sip:9@") == 1


# ------------------------------------------------------------- in-dialog requests


def test_resident_answers_reinvite_and_keeps_its_schedule(pbx: FakePbx, tmp_path: Path) -> None:
    """Asterisk re-INVITEs a leg when it bridges it (direct_media) or refreshes
    a session timer; the interrupted pause must resume, not restart or end."""
    handle = resident_call(pbx.address, tmp_path, media=[Silence(300)], hold_ms=2500).start()
    try:
        dialog = pbx.next_incoming(5)
        assert dialog.acked.wait(5)
        acked_at = time.monotonic()
        time.sleep(1.0)
        ok = dialog.reinvite()
        assert ok.status == 200 and dialog.remote_media(ok)[1] == handle.sipp.media_port
        dialog.wait_ended(10)
        assert dialog.ended_by == "remote"
        assert time.monotonic() - acked_at == pytest.approx(2.5, abs=0.4)
        handle.wait(timeout=20).check()
    finally:
        handle.stop()


def test_agent_answers_reinvite_and_options_in_dialog(pbx: FakePbx, tmp_path: Path) -> None:
    handle = agent_phone(pbx.address, tmp_path, user="1001", password=AGENTS["1001"], ring_ms=100,
                         greet_delay_ms=100, wait_ms=20_000).start()
    try:
        pbx.wait_registered("1001", 5)
        dialog = pbx.invite("1001")
        dialog.wait_final(5)
        time.sleep(0.3)
        assert dialog.reinvite().status == 200
        options = dialog._in_dialog("OPTIONS")
        pbx.send(options, dialog.remote_target)
        assert dialog.wait_for(lambda m: not m.is_request and m.cseq_method == "OPTIONS", 5).status == 200
        assert dialog.bye().status == 200
        handle.wait(timeout=20).check()
    finally:
        handle.stop()
