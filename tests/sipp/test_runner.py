"""Unit tests of telephony.sipp.runner: command line, exit codes, errors,
background handling. SIPp itself is faked with pytest-subprocess (``fp``) or
with tiny shell scripts standing in for the binary; the real SIPp runs are in
test_scenarios.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from telephony.sipp import (
    LOCAL_IP,
    SCENARIO_DIR,
    ScenarioError,
    Sipp,
    SippCallsFailed,
    SippError,
    SippExit,
    SippNotFoundError,
    SippTimeoutError,
    free_media_port,
    free_udp_port,
)
from telephony.sipp.runner import parse_message_log

STATS_HEADER = (
    "StartTime;CurrentTime;TotalCallCreated;CurrentCall;"
    "SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C)"
)


def write_stats(path: Path, *, created: int = 1, current: int = 0, ok: int = 1, failed: int = 0) -> None:
    path.write_text(
        STATS_HEADER + "\n"
        "t0;t0;0;0;0;0;0;0\n"
        f"t0;t1;{created};{current};{ok};{ok};{failed};{failed}\n"
    )


def resident(tmp_path: Path, **kw: object) -> Sipp:
    args: dict[str, object] = dict(
        scenario="resident_call",
        work_dir=tmp_path,
        remote="127.0.0.1:5060",
        local_port=15072,
        media_port=40010,
        service="8000",
        variables={"caller_number": "13800000001", "caller_name": "Wang Wu", "hold_ms": 15000},
        keywords={"media_pcap": tmp_path / "caller.pcap"},
        name="res",
    )
    args.update(kw)
    return Sipp(**args)  # type: ignore[arg-type]


# ------------------------------------------------------------------ command line


def test_command_line_has_every_option_and_no_bg(tmp_path: Path) -> None:
    sipp = Sipp(
        scenario="agent_register",
        ooc_scenario="agent_answer.xml",
        work_dir=tmp_path / "logs",
        remote="127.0.0.1:5080",
        local_port=15071,
        media_port=40000,
        service="1001",
        auth_user="1001",
        auth_password="s3cret",
        variables={"reg_expires": 300, "expected_calls": 2, "wait_ms": 1500.0, "agent_hangs_up": True},
        keywords={"agent_pcap": Path("/x/greet.pcap")},
        calls=1,
        rate=2.5,
        rate_period_ms=2000,
        limit=4,
        timeout_s=30,
        recv_timeout_ms=9000,
        extra_args=["-aa"],
        name="agent1001",
        binary="/opt/sipp/bin/sipp",
    )
    cmd = sipp.command()
    logs = tmp_path / "logs"
    assert cmd[:2] == ["/opt/sipp/bin/sipp", "127.0.0.1:5080"]

    def pair(flag: str) -> str:
        return cmd[cmd.index(flag) + 1]

    assert pair("-sf") == str(SCENARIO_DIR / "agent_register.xml")
    assert pair("-oocsf") == str(SCENARIO_DIR / "agent_answer.xml")
    assert pair("-i") == LOCAL_IP and pair("-mi") == LOCAL_IP
    assert pair("-p") == "15071" and pair("-mp") == "40000"
    assert pair("-s") == "1001" and pair("-au") == "1001" and pair("-ap") == "s3cret"
    sets = [tuple(cmd[i + 1 : i + 3]) for i, a in enumerate(cmd) if a == "-set"]
    assert sets == [("reg_expires", "300"), ("expected_calls", "2"), ("wait_ms", "1500"), ("agent_hangs_up", "1")]
    assert [tuple(cmd[i + 1 : i + 3]) for i, a in enumerate(cmd) if a == "-key"] == [("agent_pcap", "/x/greet.pcap")]
    assert pair("-m") == "1" and pair("-r") == "2.5" and pair("-rp") == "2000ms" and pair("-l") == "4"
    assert pair("-timeout") == "30s" and "-timeout_error" in cmd
    assert pair("-recv_timeout") == "9000ms"
    assert "-nostdin" in cmd and cmd[-1] == "-aa"
    assert pair("-message_file") == str(logs / "agent1001.messages.log")
    assert pair("-error_file") == str(logs / "agent1001.errors.log")
    assert pair("-stf") == str(logs / "agent1001.stats.csv")
    for flag in ("-trace_msg", "-trace_err", "-trace_stat", "-trace_screen", "-trace_logs"):
        assert flag in cmd
    assert "-bg" not in cmd
    assert sipp.message_log == logs / "agent1001.messages.log"


def test_defaults_pick_free_ports_and_binary_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SIPP_BIN", "/usr/local/bin/sipp-3.6")
    sipp = Sipp(scenario="resident_call_rejected", work_dir=tmp_path, remote="127.0.0.1:5060")
    cmd = sipp.command()
    assert cmd[0] == "/usr/local/bin/sipp-3.6"
    assert sipp.local_port and sipp.local_port != 5060  # SIPp's own default would clash with Asterisk
    assert sipp.media_port is not None and sipp.media_port % 2 == 0
    assert "-s" not in cmd and "-au" not in cmd and "-r" not in cmd
    assert sipp.prefix == f"resident_call_rejected-{sipp.local_port}"


def test_scenario_by_path(tmp_path: Path) -> None:
    own = tmp_path / "mine.xml"
    own.write_text('<?xml version="1.0"?><scenario name="m"><Global variables="x"/><nop/></scenario>')
    sipp = Sipp(scenario=own, work_dir=tmp_path, variables={"x": 1})
    assert sipp.command()[sipp.command().index("-sf") + 1] == str(own.resolve())
    assert sipp.command()[1] == "-sf"  # no remote: a server scenario


def test_missing_scenario_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario not found: no_such_scenario"):
        Sipp(scenario="no_such_scenario", work_dir=tmp_path)


def test_set_of_undeclared_variable_is_refused(tmp_path: Path) -> None:
    # SIPp itself only warns and sends an empty value; we refuse up front
    with pytest.raises(ScenarioError, match=r"-set ring_ms: not declared"):
        resident(tmp_path, variables={"caller_number": "1", "caller_name": "", "hold_ms": 1, "ring_ms": 5})


def test_malformed_scenario_xml_is_a_scenario_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<scenario><send>")
    with pytest.raises(ScenarioError, match="not well-formed"):
        Sipp(scenario=bad, work_dir=tmp_path)


# ------------------------------------------------------------------ run + exit codes


def test_run_success_reads_stats_and_logs(fp, tmp_path: Path) -> None:
    sipp = resident(tmp_path)

    def sipp_writes_its_files(process: object) -> None:
        write_stats(tmp_path / "res.stats.csv", ok=1)
        (tmp_path / "res.messages.log").write_text(
            "----------------------------------------------- 2026-01-01\t10:00:00.0\n"
            "UDP message sent (400 bytes):\n\nINVITE sip:8000@127.0.0.1:5060 SIP/2.0\nCSeq: 1 INVITE\n\n"
            "----------------------------------------------- 2026-01-01\t10:00:00.1\n"
            "UDP message received [300] bytes :\n\nSIP/2.0 200 OK\nCSeq: 1 INVITE\n\n"
        )

    fp.register(sipp.command(), stdout="screen", stderr="Resolving remote host", callback=sipp_writes_its_files)
    result = sipp.run()
    assert result.ok and result.exit is SippExit.ALL_CALLS_OK
    assert (result.successful_calls, result.failed_calls, result.created_calls, result.current_calls) == (1, 0, 1, 0)
    assert result.message_log == tmp_path / "res.messages.log"
    assert result.received_statuses("INVITE") == [200]
    assert [m.direction for m in result.messages()] == ["sent", "received"]
    assert result.stdout == "screen" and (tmp_path / "res.stderr").read_text() == "Resolving remote host"
    assert result.check() is result
    assert fp.call_count(sipp.command()) == 1


def test_failed_call_result_and_check_raises_with_error_log(fp, tmp_path: Path) -> None:
    sipp = resident(tmp_path)

    def failed(process: object) -> None:
        write_stats(tmp_path / "res.stats.csv", ok=0, failed=1)
        (tmp_path / "res.errors.log").write_text("Aborting call on unexpected message for Call-Id '1-2@x'")

    fp.register(sipp.command(), returncode=1, callback=failed)
    result = sipp.run()
    assert not result.ok and result.exit is SippExit.SOME_CALLS_FAILED
    assert result.failed_calls == 1
    with pytest.raises(SippCallsFailed, match="Aborting call on unexpected message") as err:
        result.check()
    assert err.value.returncode == 1 and "-sf" in err.value.command


@pytest.mark.parametrize(
    ("returncode", "stats", "stderr", "expected"),
    [
        (0, dict(ok=1), "", "ok"),
        (0, dict(ok=1, current=1), "", "not ok"),  # SIGTERM'd SIPp exits 0 with the call still up
        (0, dict(ok=0, failed=0, created=0), "", "not ok"),  # nothing happened
        (1, dict(ok=2, failed=1), "", "not ok"),
        (97, dict(ok=1), "", "not ok"),
        (99, dict(ok=0, created=0), "", "not ok"),
        (255, dict(ok=0, current=1), "x: resident_call timed out after '2.0' seconds", "timed out"),
        (255, dict(ok=0), "fatal: something else", "not ok"),
        (254, None, "Unable to bind main socket, errno = 98 (Address already in use)", SippError),
        (1, None, "Unknown element 'bogus' in xml scenario file", ScenarioError),
        (1, None, 'play_pcap_audio "[x]" looks like a keyword value, but keyword not supplied!', ScenarioError),
        (255, None, "Some fatal error before start", SippError),
    ],
)
def test_exit_code_mapping(fp, tmp_path: Path, returncode: int, stats: dict | None, stderr: str, expected) -> None:
    sipp = resident(tmp_path)

    def files(process: object) -> None:
        if stats is not None:
            write_stats(tmp_path / "res.stats.csv", **stats)

    fp.register(sipp.command(), returncode=returncode, stderr=stderr, callback=files)
    if isinstance(expected, type):
        with pytest.raises(expected) as err:
            sipp.run()
        assert err.value.returncode == returncode
        assert stderr in str(err.value)
        if expected is SippError:
            assert not isinstance(err.value, ScenarioError)
        return
    result = sipp.run()
    assert result.returncode == returncode
    assert result.ok is (expected == "ok")
    assert result.timed_out is (expected == "timed out")


def test_missing_binary(fp, tmp_path: Path) -> None:
    fp.allow_unregistered(True)  # let the real subprocess module fail
    sipp = resident(tmp_path, binary=str(tmp_path / "no" / "sipp"))
    with pytest.raises(SippNotFoundError, match="apt-get install sip-tester"):
        sipp.run()
    with pytest.raises(SippNotFoundError):
        sipp.start()


def test_python_side_timeout_fake(fp, tmp_path: Path) -> None:
    sipp = resident(tmp_path)

    def hangs(process: object) -> None:
        raise subprocess.TimeoutExpired(sipp.command(), 0.1, stderr=b"still going")

    fp.register(sipp.command(), callback=hangs)
    with pytest.raises(SippTimeoutError, match="still running after 0.1s"):
        sipp.run(timeout=0.1)


def fake_binary(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-sipp"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def test_python_side_timeout_real_process(tmp_path: Path) -> None:
    sipp = resident(tmp_path, binary=fake_binary(tmp_path, "exec sleep 30"))
    start = time.monotonic()
    with pytest.raises(SippTimeoutError):
        sipp.run(timeout=0.5)
    assert time.monotonic() - start < 5


# ------------------------------------------------------------------ background


def test_background_start_and_wait(fp, tmp_path: Path) -> None:
    sipp = resident(tmp_path)
    fp.register(sipp.command(), callback=lambda p: write_stats(tmp_path / "res.stats.csv", ok=1))
    handle = sipp.start()
    result = handle.wait(timeout=5)
    assert result.ok and not handle.running()
    assert handle.wait() is result  # idempotent
    assert handle.stop() is result


@pytest.mark.parametrize(("soft", "sig", "stopped", "ok"), [(False, signal.SIGTERM, "terminate", False),
                                                           (True, signal.SIGUSR1, "soft", True)])
def test_background_stop_sends_signal(fp, tmp_path: Path, soft: bool, sig: int, stopped: str, ok: bool) -> None:
    sipp = resident(tmp_path)
    got_signal = threading.Event()

    def runs_until_signalled(process: object) -> None:
        assert got_signal.wait(10)
        write_stats(tmp_path / "res.stats.csv", ok=1)

    fp.register(sipp.command(), callback=runs_until_signalled, signal_callback=lambda p, s: got_signal.set())
    handle = sipp.start()
    assert handle.running()
    result = handle.stop(soft=soft)
    assert fp.calls[-1] == sipp.command()
    assert handle.popen._signals == [sig]  # type: ignore[attr-defined]
    assert result.stopped == stopped
    assert result.ok is ok  # a SIGTERM'd run is never a success, even with exit code 0


def test_context_manager_stops_real_process(tmp_path: Path) -> None:
    sipp = resident(tmp_path, binary=fake_binary(tmp_path, "trap 'exit 0' TERM\nwhile :; do sleep 0.1; done"))
    with sipp.start() as handle:
        assert handle.running()
        pid = handle.pid
    assert not handle.running()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert handle.stop().stopped == "terminate"


def test_wait_timeout_stops_and_raises(tmp_path: Path) -> None:
    sipp = resident(tmp_path, binary=fake_binary(tmp_path, "exec sleep 30"))
    handle = sipp.start()
    with pytest.raises(SippTimeoutError, match="still running after 0.3s"):
        handle.wait(timeout=0.3)
    assert not handle.running()


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    sipp = resident(tmp_path, binary=fake_binary(tmp_path, "trap '' TERM\nwhile :; do sleep 0.1; done"))
    handle = sipp.start()
    time.sleep(0.2)  # let the shell install its trap
    result = handle.stop(grace_s=0.5)
    assert result.stopped == "kill" and not result.ok


# ------------------------------------------------------------------ helpers


def test_free_udp_port_is_bindable() -> None:
    port = free_udp_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCAL_IP, port))


def test_free_media_port_block() -> None:
    base = free_media_port()
    assert base % 2 == 0
    socks = []
    try:
        for port in range(base, base + 4):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((LOCAL_IP, port))
    finally:
        for s in socks:
            s.close()


def test_parse_message_log_real_format() -> None:
    log = (
        "----------------------------------------------- 2026-11-23\t18:34:52.222348\n"
        "UDP message received [388] bytes :\n\n"
        "OPTIONS sip:1001@127.0.0.1:25070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\n"
        "CSeq: 1 OPTIONS\nContent-Length: 0\n\n\n"
        "----------------------------------------------- 2026-11-23\t18:34:52.222400\n"
        "UDP message sent (250 bytes):\n\n"
        "SIP/2.0 200 OK\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
    )
    msgs = parse_message_log(log)
    assert [(m.direction, m.first_line) for m in msgs] == [
        ("received", "OPTIONS sip:1001@127.0.0.1:25070 SIP/2.0"),
        ("sent", "SIP/2.0 200 OK"),
    ]
    assert msgs[0].method == "OPTIONS" and msgs[1].method == "OPTIONS" and msgs[1].status == 200
    assert msgs[0].header("via") == "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx"
