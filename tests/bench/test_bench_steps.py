"""The steps' own arithmetic: latency batches and summaries, SIPp and queue_log counts,
py-spy stacks, the table and results.json's headline keys, --only."""
from __future__ import annotations

import pytest

from bench import capacity, latency, profile, run, table
from bench.capture import CallTiming
from telephony.logging.reconcile import FileTail

DIALLED = {"bare": "8100", "fastagi": "8000", "perprocess": "8200"}


# -- latency -----------------------------------------------------------------------------

def test_schedule_takes_turns_and_places_every_call():
    plan = latency.LatencyPlan(calls=45, perprocess_calls=9, batch=20)
    runs = latency.schedule(plan)
    assert [p for p, _ in runs[:3]] == ["bare", "fastagi", "perprocess"]
    totals = {p: sum(n for q, n in runs if q == p) for p in latency.PATHS}
    assert totals == {"bare": 45, "fastagi": 45, "perprocess": 9}
    assert max(n for _, n in runs) <= 20


def test_schedule_with_no_perprocess_calls():
    runs = latency.schedule(latency.LatencyPlan(calls=10, perprocess_calls=0, batch=10))
    assert runs == [("bare", 10), ("fastagi", 10)]


def timing(number: str, first_rtp: float | None, i: int = 0, answered_after: float = 10.0) -> CallTiming:
    """A call answered answered_after ms after its INVITE, its first RTP first_rtp ms after that."""
    invite_rtp = None if first_rtp is None else answered_after + first_rtp
    return CallTiming(f"{number}-{i}", number, 100.0 + i, first_rtp, first_rtp, invite_rtp)


def test_summarise_adds_per_path_and_against_bare_from_the_invite():
    timings = ([timing("8100", v, i) for i, v in enumerate([2.0, 3.0, 4.0])]
               # ours answers 50 ms later than the bare dialplan: that counts as added too
               + [timing("8000", v, i, answered_after=60.0) for i, v in enumerate([3.0, 5.0, 9.0])]
               + [timing("8200", 900.0), timing("8200", None, 1)])
    out = latency.summarise(timings, DIALLED, {"bare": 0, "fastagi": 0, "perprocess": 0}, dropped=0)
    assert out["paths"]["bare"]["first_rtp_ms"]["p50"] == 3.0
    assert out["paths"]["bare"]["invite_rtp_ms"]["p50"] == 13.0
    assert out["paths"]["fastagi"]["first_rtp_ms"]["p50"] == 5.0
    assert out["paths"]["fastagi"]["added_ms"] == {"p50": 52.0, "p99": 55.0}
    assert out["agi_added_latency_p99_ms"] == 55.0
    assert out["paths"]["perprocess"]["no_rtp"] == 1
    assert out["perprocess_agi_latency_p99_ms"] == 896.0


# -- capacity ----------------------------------------------------------------------------

def test_max_concurrent_reads_every_row_of_sipp_statistics(tmp_path):
    stats = tmp_path / "x.stats.csv"
    stats.write_text("StartTime;CurrentCall;TotalCallCreated;\n"
                     "t1;3;3;\n" "t2;41;60;\n" "t3;12;100;\n" "t4;;100;\n")
    assert capacity.max_concurrent(stats) == 41
    assert capacity.max_concurrent(tmp_path / "missing.csv") is None
    assert capacity._created_from_stats(stats) == 100  # the last row: what SIPp had placed
    assert capacity._created_from_stats(tmp_path / "missing.csv") is None


def test_count_events_in_queue_log():
    text = ("1796137361.2|1796137361.0|dept-engineering|NONE|ENTERQUEUE||13800000001|1\n"
            "1796137363.9|1796137361.0|dept-engineering|2001|CONNECT|2|1796137362.3|2\n"
            "1796137364.1|1796137361.5|dept-engineering|2002|CONNECT|1|1796137362.9|1\n"
            "1796137375.0|1796137361.0|dept-engineering|2001|COMPLETECALLER|2|11|1\n"
            "garbage\n")
    assert capacity.count_events(text, "CONNECT") == 2
    assert capacity.count_events(text, "ABANDON") == 0


def test_calls_reaching_asterisk_are_the_resident_channels_cdrs(tmp_path):
    resident = ('"1796195180.50","1796195180.50","13800000001","""Resident"" <13800000001>","s",'
                '"PJSIP/anonymous-00000032","PJSIP/2051-000000ec","1796195180.660552","1796195180.662300",'
                '"1796195203.425214","ANSWERED","hotline-queue","repair;engineering;3-2-502"\n')
    second = resident.replace("1796195180.50", "1796195181.52").replace("00000032", "00000034")
    # The agent's leg of the first call: same linkedid, another channel; not a call of its own.
    agent_leg = resident.replace('"1796195180.50","1796195180.50"', '"1796195180.51","1796195180.50"', 1) \
                        .replace("PJSIP/anonymous-00000032", "PJSIP/2051-000000ec")
    text = resident + agent_leg + second + "garbage,cut off\n"
    assert capacity.calls_reaching_asterisk(text) == 2
    assert capacity.calls_reaching_asterisk("") == 0
    # As the bench reads the file: what came before the capacity step is skipped.
    log = tmp_path / "Master.csv"
    log.write_text(resident)
    tail = FileTail(log)
    tail.new_text()
    with log.open("a") as f:
        f.write(second)
    assert capacity.calls_reaching_asterisk(tail.new_text()) == 1
    assert FileTail(tmp_path / "none.csv").new_text() == ""


@pytest.mark.parametrize("calls, ok, failed, answered, passed", [
    (10, 10, 0, 10, True),
    (10, 10, 0, 9, False),  # one never reached an agent (menu or queue missed)
    (10, 9, 1, 10, False),
    (10, None, None, 0, False),  # SIPp wrote no statistics
])
def test_trial_passed(calls, ok, failed, answered, passed):
    assert capacity.trial_passed(calls, ok, failed, answered) is passed


def test_per_call_memory():
    assert capacity.per_call_kb(80.0, 90.0, 40) == 256.0
    assert capacity.per_call_kb(80.0, 79.0, 40) == 0.0  # the collector gave memory back
    assert capacity.per_call_kb(80.0, None, 40) is None
    assert capacity.per_call_kb(80.0, 90.0, 0) is None


# -- profile -----------------------------------------------------------------------------

FOLDED = """\
Thread.run (threading.py:982);_Handler.handle (telephony/agi/server.py:53);CallRoutes.call_end (telephony/agi/routes.py:104);Cursor.execute (psycopg/cursor.py:113) 6
Thread.run (threading.py:982);RingTracker.follow (telephony/pbx/ringtimes.py:95);AmiClient._read_message (telephony/pbx/ami.py:90) 3
Thread.run (threading.py:982);_Handler.handle (telephony/agi/server.py:45);AGI._get_agi_env (asterisk/agi.py:107) 1
not a stack line
"""


def test_profile_summary_by_area_and_function():
    s = profile.summarise(profile.parse_folded(FOLDED), top=3)
    assert s["samples"] == 10
    assert s["areas_pct"] == {"database": 60.0, "AMI follower": 30.0, "AGI protocol (pyst2)": 10.0}
    assert s["top_inclusive_pct"][0] == {"function": "Thread.run", "file": "threading.py", "pct": 100.0}
    assert {"function": "_Handler.handle", "file": "telephony/agi/server.py", "pct": 70.0} in s["top_inclusive_pct"]
    assert profile.summarise([]) == {"samples": 0}


def test_frame_key():
    assert profile.frame_key("CallRoutes.incoming (telephony/agi/routes.py:42)") == (
        "CallRoutes.incoming", "telephony/agi/routes.py")
    assert profile.frame_key("<native>") == ("<native>", "")


# -- the table and results.json ----------------------------------------------------------

def test_headline_has_every_key_the_issue_asks_for_even_when_steps_did_not_run():
    keys = table.headline({})
    assert set(keys) == {"agi_added_latency_p99_ms", "perprocess_agi_latency_p99_ms", "capacity_cps_ours",
                         "capacity_cps_bare", "capacity_ratio", "missing_rows", "transcription",
                         "report_p95_ms", "agi_rss_mb_idle", "agi_rss_mb_peak"}
    assert all(v is None for v in keys.values())


def test_headline_transcription_per_engine():
    keys = table.headline({"transcription": {
        "whisper": {"cpu_per_audio_s": 0.7, "cer_16k": 0.19, "cer_phone": 0.22, "cer_hotline": 0.15},
        "vosk": {"available": False, "reason": "no Chinese model installed"}}})
    assert keys["transcription"] == {
        "whisper": {"cpu_per_audio_s": 0.7, "cer_16k": 0.19, "cer_phone": 0.22},
        "vosk": {"available": False, "reason": "no Chinese model installed"}}


def test_markdown_is_one_table_with_the_machine_first():
    text = table.markdown({"started_at": "2026-01-01T00:00:00+00:00", "duration_s": 125, "machine": {
        "cpu_model": "AMD EPYC", "cores": 2, "memory_gb": 23.5, "kernel": "6.1", "load_average_at_start": [0.1, 0.2],
        "python": "3.11.7", "asterisk": "22.10.1", "sipp": "3.6.1", "sqlite": "3.40.1", "postgresql": "15.20",
        "pyst2": "0.5.1"}, "reports": {"calls": 1000, "report_p95_ms": {"sqlite": {"volume": 12.5},
                                                                      "postgresql": {"volume": 8.0}}}})
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith("| ")]
    assert rows[0] == "| step | measure | result | goal / note |"
    assert rows[2].startswith("| machine | CPU | AMD EPYC, 2 cores")
    assert "| reports | volume: p95, worst case, sqlite / postgresql | 12.5 ms / 8.0 ms | 1,000 calls |" in rows
    assert "2 min" in lines[0]


# -- the command line --------------------------------------------------------------------

def test_only_picks_steps_in_their_order_and_memory_means_capacity():
    assert run.parse_steps(None) == list(run.STEPS)
    assert run.parse_steps("reports, latency") == ["latency", "reports"]
    assert run.parse_steps("memory") == ["capacity"]
    with pytest.raises(SystemExit, match="unknown step"):
        run.parse_steps("latency,speed")


def test_postgres_pids_include_the_backend_serving_a_connection():
    import psycopg

    from bench import metrics
    from bench.reports import PG_ADMIN_URL

    with psycopg.connect(PG_ADMIN_URL) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert backend in metrics.postgres_pids()


def test_cpu_used_counts_only_processes_alive_at_both_readings():
    from bench import metrics

    before = {1: 10.0, 2: 5.0, 3: 7.0}  # 3 exits, 4 starts in between
    after = {1: 10.5, 2: 5.25, 4: 1.0}
    assert metrics.cpu_used_s(before, after) == 0.75
    import os
    mine = metrics.cpu_s([os.getpid()])
    assert set(mine) == {os.getpid()} and mine[os.getpid()] > 0
