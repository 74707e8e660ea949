"""Rebuilding calls from Asterisk's own records (cdr_custom Master.csv and queue_log).

The files are written the way Asterisk 22 writes them with asterisk/cdr_custom.conf
(every field through CSV_QUOTE, times from CDR(...,u)) and queue_log
(`epoch|callid|queue|agent|event|data...`).
"""
from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from telephony.db.models import Call
from telephony.logging.calllog import CallOutcome, finish_call, get_call, open_call
from telephony.logging.reconcile import (
    CDR_FIELDS,
    CallRecords,
    Reconciler,
    outcome_from_records,
    read_cdrs,
    read_queue_log,
)

CALLER = "PJSIP/anonymous-00000001"
ANSWERED = "1795459077.2"  # 陈明 (demo resident), repair, answered by 1001
ABANDONED = "1795459200.5"  # a stranger, complaint, hung up in the queue
VOICEMAIL = "1795459300.9"  # nobody free: a message


def q(value: str) -> str:
    """Asterisk's CSV_QUOTE()."""
    return '"' + value.replace('"', '""') + '"'


def cdr(uniqueid, start, answer, end, *, linkedid=None, src="13800000001",
        clid='"陈明" <13800000001>', dst="s", channel=CALLER, dstchannel="",
        disposition="ANSWERED", dcontext="hotline-queue", userfield="") -> str:
    values = dict(uniqueid=uniqueid, linkedid=linkedid or uniqueid, src=src, clid=clid, dst=dst,
                  channel=channel, dstchannel=dstchannel, start=start, answer=answer, end=end,
                  disposition=disposition, dcontext=dcontext, userfield=userfield)
    return ",".join(q(values[f]) for f in CDR_FIELDS) + "\n"


def answered_cdrs() -> str:
    return "".join([
        # A member who didn't pick up in time (ringall, retry): the caller is party A.
        cdr(ANSWERED, "1795459084.200000", "0.000000", "1795459091.100000",
            dstchannel="PJSIP/1005-00000003", disposition="NO ANSWER",
            userfield="repair;engineering;3-2-502"),
        # The agent's own channel (its member-connected subroutine): not the resident's.
        cdr("1795459084.3", "1795459084.200000", "1795459091.150000", "1795459105.530000",
            linkedid=ANSWERED, src="1001", clid='"王建国" <1001>', channel="PJSIP/1001-00000002",
            dcontext="hotline-member-connected"),
        # The resident's call, bridged to 1001.
        cdr(ANSWERED, "1795459077.104321", "1795459077.612345", "1795459105.532100",
            dstchannel="PJSIP/1001-00000002", userfield="repair;engineering;3-2-502"),
    ])


ANSWERED_QUEUE_LOG = f"""\
1795459000|NONE|NONE|NONE|QUEUESTART|
1795459084|{ANSWERED}|dept-engineering|NONE|ENTERQUEUE||13800000001|1
1795459091|{ANSWERED}|dept-engineering|1005|RINGNOANSWER|6900
1795459091|{ANSWERED}|dept-engineering|1001|CONNECT|7|1795459084.3|7
1795459105|{ANSWERED}|dept-engineering|1001|COMPLETECALLER|7|14|1
"""


def abandoned_cdrs() -> str:
    return cdr(ABANDONED, "1795459200.010000", "1795459200.400000", "1795459219.800000",
               src="13912345678", clid='"" <13912345678>', userfield="complaint;service;5-1-101")


ABANDONED_QUEUE_LOG = f"""\
1795459210|{ABANDONED}|dept-service|NONE|ENTERQUEUE||13912345678|1
1795459219|{ABANDONED}|dept-service|NONE|ABANDON|1|1|9
"""


def voicemail_cdrs() -> str:
    return cdr(VOICEMAIL, "1795459300.000000", "1795459300.500000", "1795459420.000000",
               src="13800000002", clid='"Zhao" <13800000002>', dcontext="hotline-queue",
               userfield="repair;engineering;5-1-101")


VOICEMAIL_QUEUE_LOG = f"""\
1795459305|{VOICEMAIL}|dept-engineering|NONE|ENTERQUEUE||13800000002|1
1795459335|{VOICEMAIL}|dept-engineering|NONE|EXITWITHTIMEOUT|1|1|30
1795459335|{VOICEMAIL}|dept-service|NONE|ENTERQUEUE||13800000002|1
1795459395|{VOICEMAIL}|dept-service|NONE|EXITWITHTIMEOUT|1|1|60
"""


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def same_instant(value: datetime | None, expected: datetime) -> bool:
    assert value is not None
    if value.tzinfo is None:  # SQLite: naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return abs(value - expected) < timedelta(milliseconds=1)


class AsteriskLogs:
    """settings.asterisk_dir/log as Asterisk writes it."""

    def __init__(self, settings):
        self.dir = settings.asterisk_dir / "log"
        self.cdr = self.dir / "cdr-custom" / "Master.csv"
        self.queue_log = self.dir / "queue_log"
        self.cdr.parent.mkdir(parents=True, exist_ok=True)

    def write(self, cdrs: str = "", queue_log: str = "") -> None:
        with self.cdr.open("a", encoding="utf-8", newline="") as f:
            f.write(cdrs)
        with self.queue_log.open("a", encoding="utf-8") as f:
            f.write(queue_log)

    def write_bytes(self, data: bytes) -> None:
        with self.cdr.open("ab") as f:
            f.write(data)


@pytest.fixture
def no_asterisk(settings):
    """Nothing answers on the AMI port and there is no asterisk.ctl: every channel is gone."""
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    settings.ami_port = blocker.getsockname()[1]
    assert not (settings.asterisk_dir / "run" / "asterisk.ctl").exists()
    yield settings
    blocker.close()


@pytest.fixture
def logs(settings):
    return AsteriskLogs(settings)


@pytest.fixture
def reconciler(no_asterisk, demo_db):
    return Reconciler(no_asterisk, demo_db)


def row(db, uid):
    with db.session() as s:
        return get_call(s, uid)


def count_calls(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Call))


# -- the readers ---------------------------------------------------------------------

def test_read_cdrs_keeps_only_the_residents_own_channel(tmp_path):
    path = tmp_path / "Master.csv"
    path.write_text(answered_cdrs() + abandoned_cdrs(), encoding="utf-8")
    calls = read_cdrs(path)
    assert set(calls) == {ANSWERED, ABANDONED}
    assert len(calls[ANSWERED].cdrs) == 2  # the agent channel's record is not the call's
    first = calls[ANSWERED].cdrs[1]
    assert first["clid"] == '"陈明" <13800000001>'  # CSV_QUOTE's doubled quotes undone
    assert first["userfield"] == "repair;engineering;3-2-502"
    assert read_cdrs(tmp_path / "missing.csv") == {}


def test_read_queue_log_groups_by_call(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(ANSWERED_QUEUE_LOG + ABANDONED_QUEUE_LOG + "garbage\n\n", encoding="utf-8")
    events = read_queue_log(path)
    assert [e[4] for e in events[ANSWERED]] == ["ENTERQUEUE", "RINGNOANSWER", "CONNECT", "COMPLETECALLER"]
    assert [e[4] for e in events[ABANDONED]] == ["ENTERQUEUE", "ABANDON"]
    assert "garbage" not in events
    assert read_queue_log(tmp_path / "missing") == {}


def test_outcome_of_an_answered_call(settings, tmp_path):
    rec = CallRecords(ANSWERED, queue_events=[l.split("|") for l in ANSWERED_QUEUE_LOG.splitlines()[1:]])
    rec.cdrs = read_cdrs(_file(tmp_path, answered_cdrs()))[ANSWERED].cdrs
    out = outcome_from_records(rec, settings)
    assert (out.disposition, out.hangup_by, out.agent, out.department) == ("answered", "caller", "1001", "engineering")
    assert out.answered_at == utc(1795459091)
    assert out.ended_at == utc(1795459105.5321)
    assert (out.ring_ms, out.queue_wait_ms, out.talk_ms) == (7000, 7000, 14000)
    assert out.recordings == {}  # none on disk


def test_outcome_of_an_agent_hangup_lists_the_recordings_on_disk(settings, tmp_path):
    settings.recordings_dir.mkdir(parents=True)
    for leg in ("caller", "agent", "mixed"):
        (settings.recordings_dir / f"{ANSWERED}-{leg}.wav").write_bytes(b"RIFF")
    lines = ANSWERED_QUEUE_LOG.replace("COMPLETECALLER", "COMPLETEAGENT").splitlines()[1:]
    rec = CallRecords(ANSWERED, queue_events=[l.split("|") for l in lines])
    rec.cdrs = read_cdrs(_file(tmp_path, answered_cdrs()))[ANSWERED].cdrs
    out = outcome_from_records(rec, settings)
    assert out.hangup_by == "agent"
    assert out.recordings == {leg: str(settings.recordings_dir / f"{ANSWERED}-{leg}.wav")
                              for leg in ("caller", "agent", "mixed")}


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Master.csv"
    path.write_text(text, encoding="utf-8")
    return path


# -- Reconciler.reconcile_once ------------------------------------------------------

def test_missing_answered_call_is_rebuilt(reconciler, logs, demo_db):
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, ANSWERED)
    assert c.source == "rebuilt"
    assert same_instant(c.started_at, utc(1795459077.104321))
    assert same_instant(c.ended_at, utc(1795459105.5321))
    assert same_instant(c.answered_at, utc(1795459091))
    assert c.ivr_answer_ms == 508
    assert (c.caller_number, c.caller_name) == ("13800000001", "陈明")  # the directory's name
    assert c.resident_id is not None
    assert (c.category, c.urgency, c.department, c.unit) == ("repair", "normal", "engineering", "3-2-502")
    assert (c.disposition, c.hangup_by, c.agent) == ("answered", "caller", "1001")
    assert (c.ring_ms, c.rings, c.queue_wait_ms, c.talk_ms) == (7000, 2, 7000, 14000)


def test_rebuilt_once_only(reconciler, logs, demo_db, no_asterisk):
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    assert reconciler.reconcile_once() == 0
    assert Reconciler(no_asterisk, demo_db).reconcile_once() == 0  # after a restart too
    assert count_calls(demo_db) == 1


def test_each_round_reads_only_what_was_appended(reconciler, logs, demo_db):
    # The queue_log lines of a call may land a round before its CDR.
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG + ABANDONED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    with demo_db.session() as s:  # a live edit the reconciler must not undo by re-reading
        get_call(s, ANSWERED).agent = "edited"
    logs.write(abandoned_cdrs())
    assert reconciler.reconcile_once() == 1
    assert row(demo_db, ABANDONED).queue_wait_ms == 9000  # its earlier queue_log lines were kept
    assert row(demo_db, ANSWERED).agent == "edited"
    assert count_calls(demo_db) == 2


def test_a_rotated_cdr_file_is_read_from_its_start(reconciler, logs, demo_db):
    logs.write(answered_cdrs() + abandoned_cdrs(), ANSWERED_QUEUE_LOG + ABANDONED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 2
    logs.cdr.write_text(voicemail_cdrs(), encoding="utf-8")  # rotated: a new, shorter file
    logs.write(queue_log=VOICEMAIL_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    assert row(demo_db, VOICEMAIL) is not None


def test_a_call_python_finished_is_left_alone(reconciler, logs, demo_db):
    with demo_db.session() as s:
        call = open_call(s, uniqueid=ANSWERED, started_at=utc(1795459077.104321),
                         caller_number="13800000001", category="repair", department="engineering")
        finish_call(call, CallOutcome(ended_at=utc(1795459105.5), disposition="answered",
                                      hangup_by="agent", agent="1001", ring_ms=6812,
                                      talk_ms=14373), 5000)
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 0
    c = row(demo_db, ANSWERED)
    assert c.source == "agi"
    assert (c.ring_ms, c.talk_ms, c.hangup_by) == (6812, 14373, "agent")  # the exact live values


def test_an_unfinished_call_is_completed(reconciler, logs, demo_db):
    """The incoming route wrote the row, then call-end never came (FastAGI down)."""
    with demo_db.session() as s:
        open_call(s, uniqueid=ANSWERED, started_at=utc(1795459077.104321), caller_number="13800000001",
                  caller_name="陈明", unit="3-2-502", category="repair", urgency="normal",
                  department="engineering", ivr_answer_ms=512)
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, ANSWERED)
    assert c.source == "rebuilt"
    assert (c.disposition, c.agent, c.rings, c.talk_ms) == ("answered", "1001", 2, 14000)
    assert same_instant(c.ended_at, utc(1795459105.5321))
    assert c.ivr_answer_ms == 512 and c.unit == "3-2-502"  # what Python wrote is kept
    assert count_calls(demo_db) == 1


def test_abandoned_call(reconciler, logs, demo_db):
    logs.write(abandoned_cdrs(), ABANDONED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, ABANDONED)
    assert (c.disposition, c.hangup_by, c.agent) == ("abandoned", "caller", None)
    assert (c.department, c.category, c.unit) == ("service", "complaint", "5-1-101")
    assert c.queue_wait_ms == 9000
    assert (c.ring_ms, c.rings, c.talk_ms, c.answered_at) == (None, None, None, None)
    assert (c.caller_number, c.caller_name, c.resident_id) == ("13912345678", None, None)


def test_voicemail_call(reconciler, logs, demo_db, settings):
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    message = settings.recordings_dir / f"{VOICEMAIL}-message.wav"
    message.write_bytes(b"RIFF")
    logs.write(voicemail_cdrs(), VOICEMAIL_QUEUE_LOG)
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, VOICEMAIL)
    assert (c.disposition, c.hangup_by, c.recording_caller) == ("voicemail", "caller", str(message))
    assert c.department == "service"  # where it overflowed to
    assert c.caller_name == "赵丽" and c.unit == "5-1-101"


def test_caller_hanging_up_in_the_ivr(reconciler, logs, demo_db):
    uid = "1795459500.1"
    logs.write(cdr(uid, "1795459500.000000", "1795459500.300000", "1795459504.000000",
                   src="13912345678", clid='"" <13912345678>', dst="8000",
                   dcontext="hotline-resident", userfield=""))
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, uid)
    assert (c.disposition, c.hangup_by, c.category, c.department, c.unit) == (
        "abandoned", None, None, None, None)


def test_the_userfield_gives_category_department_and_unit(reconciler, logs, demo_db):
    uid = "1795459600.4"
    logs.write(cdr(uid, "1795459600.000000", "1795459600.500000", "1795459640.000000",
                   src="13912345678", clid='"" <13912345678>', userfield="emergency;security;9-3-1203"),
               f"1795459603|{uid}|dept-security|NONE|ENTERQUEUE||13912345678|1\n"
               f"1795459609|{uid}|dept-security|1003|CONNECT|6|1795459603.5|4\n"
               f"1795459640|{uid}|dept-security|1003|COMPLETEAGENT|6|31|1\n")
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, uid)
    assert (c.category, c.urgency, c.department, c.unit) == ("emergency", "urgent", "security", "9-3-1203")
    assert (c.agent, c.hangup_by, c.ring_ms, c.rings) == ("1003", "agent", 4000, 1)


def test_hostile_caller_id_in_the_cdr_is_inert_text(reconciler, logs, demo_db, settings):
    uid = "1795459700.1"
    name = "<script>alert(\"x\")</script>'; DROP TABLE calls; --" + "A" * 1024
    logs.write(cdr(uid, "1795459700.000000", "1795459700.500000", "1795459710.000000",
                   src="'; DELETE FROM residents; --", clid=f'"{name}" <\'; DELETE FROM residents; -->'))
    assert reconciler.reconcile_once() == 1
    c = row(demo_db, uid)
    assert c.caller_number == "'; DELETE FROM residents; --"
    assert c.caller_name == name[:settings.caller_id_max_chars]
    with demo_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 1


def test_truncated_and_garbage_lines_are_ignored(reconciler, logs, demo_db):
    logs.write_bytes(b"this is not a CDR\n\n\x00\x01\x02\xff\xfe binary junk\n")
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    logs.write_bytes(b'"1795459150.7","1795459150.7","13800000003","""\xe5\xad\x99"" <13800000003>","s"\n')
    logs.write(abandoned_cdrs(), ABANDONED_QUEUE_LOG)
    # The last line is still being written, cut before its last fields.
    logs.write_bytes(b'"1795459800.2","1795459800.2","13800000003","""\xe5\xad\x99\xe5\xbc\xba"" <138')
    assert reconciler.reconcile_once() == 2
    assert row(demo_db, ANSWERED).disposition == "answered"
    assert row(demo_db, ABANDONED).disposition == "abandoned"
    assert row(demo_db, "1795459150.7") is None and row(demo_db, "1795459800.2") is None
    assert count_calls(demo_db) == 2


def test_a_record_cut_by_a_crash_does_not_stop_the_others(reconciler, logs, demo_db):
    """Asterisk died while writing a CDR; after the restart its next CDR was appended to the stub.

    The joined line has more than 13 fields and a garbage time in it. It must
    be skipped like any other garbage: the calls before and after it are
    still rebuilt, and the reconciler must not raise (Reconciler.run only
    survives database and file errors, so anything else ends its thread).
    """
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    stub = cdr("1795459150.7", "1795459150.123456", "1795459150.5", "1795459160.1",
               src="13800000003", clid='"孙强" <13800000003>')
    logs.write(stub[: stub.index("1795459150.123456") + 10])  # cut inside the start time, no newline
    logs.write(abandoned_cdrs(), ABANDONED_QUEUE_LOG)
    logs.write(voicemail_cdrs(), VOICEMAIL_QUEUE_LOG)

    rebuilt = reconciler.reconcile_once()

    assert rebuilt == 2  # the abandoned call's own line went into the joined one
    assert row(demo_db, ANSWERED).disposition == "answered"
    assert row(demo_db, VOICEMAIL) is not None
    assert row(demo_db, "1795459150.7") is None


def test_the_reconcile_loop_survives_a_record_cut_by_a_crash(reconciler, logs, demo_db, settings):
    settings.reconcile_interval_s = 0.02
    stub = cdr("1795459150.7", "1795459150.123456", "1795459150.5", "1795459160.1")
    logs.write(stub[: stub.index("1795459150.123456") + 10])
    logs.write(abandoned_cdrs(), ABANDONED_QUEUE_LOG)
    stop = threading.Event()
    loop = threading.Thread(target=reconciler.run, args=(stop,), daemon=True)
    loop.start()
    try:
        logs.write(voicemail_cdrs(), VOICEMAIL_QUEUE_LOG)  # a call after the damage
        deadline = time.monotonic() + 3
        while row(demo_db, VOICEMAIL) is None and loop.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert loop.is_alive(), "the reconcile thread died: no call is rebuilt until a restart"
        assert row(demo_db, VOICEMAIL) is not None
    finally:
        stop.set()
        loop.join(2)


def test_a_line_still_being_written_is_not_used_before_it_is_complete(reconciler, logs, demo_db):
    """The last line of Master.csv, cut inside its userfield, still has 13 fields.

    Taking it as is would log the call with a wrong unit ("3-2-5") for good:
    the call is marked done and never looked at again.
    """
    line = cdr(ANSWERED, "1795459077.104321", "1795459077.612345", "1795459105.532100",
               dstchannel="PJSIP/1001-00000002", userfield="repair;engineering;3-2-502")
    cut = line.index("3-2-502") + len("3-2-5")
    logs.write(line[:cut], ANSWERED_QUEUE_LOG)
    reconciler.reconcile_once()
    logs.write(line[cut:])  # Asterisk finishes the line
    reconciler.reconcile_once()
    c = row(demo_db, ANSWERED)
    assert c is not None and c.unit == "3-2-502"


# -- when the channel may still be up -------------------------------------------------

class FakeAmi:
    """Enough of Asterisk's manager interface for `core show channels concise`."""

    def __init__(self, channels: list[str]):
        self.channels = channels
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._session(conn)

    def _session(self, conn) -> None:
        conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
        buf = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
            while b"\r\n\r\n" in buf:
                block, buf = buf.split(b"\r\n\r\n", 1)
                msg = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
                action, aid = msg.get("Action", ""), msg.get("ActionID", "")
                if action == "Login":
                    reply = f"Response: Success\r\nActionID: {aid}\r\nMessage: Authentication accepted\r\n"
                elif action == "Command":
                    self.commands.append(msg.get("Command", ""))
                    out = "".join(f"Output: {c}\r\n" for c in self.channels)
                    reply = f"Response: Success\r\nActionID: {aid}\r\nMessage: Command output follows\r\n{out}"
                elif action == "Logoff":
                    conn.sendall(b"Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n")
                    return
                else:
                    reply = f"Response: Error\r\nActionID: {aid}\r\nMessage: Invalid/unknown command\r\n"
                conn.sendall(reply.encode() + b"\r\n")

    def close(self) -> None:
        self.sock.close()


def concise(uid: str, channel: str = CALLER) -> str:
    return (f"{channel}!hotline-queue!s!1!Up!Queue!dept-engineering,r,,,30,,hotline-member-connected!"
            f"13800000001!!!3!25!!{uid}")


def test_a_call_whose_channel_is_still_up_waits(settings, demo_db, logs):
    ami = FakeAmi([concise(ANSWERED), concise("1795459084.3", "PJSIP/1001-00000002")])
    settings.ami_port = ami.port
    try:
        rec = Reconciler(settings, demo_db)
        logs.write(answered_cdrs() + abandoned_cdrs(), ANSWERED_QUEUE_LOG + ABANDONED_QUEUE_LOG)
        assert rec.reconcile_once() == 1  # only the call Asterisk no longer has
        assert ami.commands == ["core show channels concise"]
        assert row(demo_db, ANSWERED) is None and row(demo_db, ABANDONED) is not None
        ami.channels = []  # the channel hangs up
        assert rec.reconcile_once() == 1
        assert row(demo_db, ANSWERED).disposition == "answered"
    finally:
        ami.close()


def test_calls_python_finished_are_settled_without_asking_asterisk(settings, demo_db, logs):
    """The usual round: every call is in the log already; Asterisk's channels aren't listed."""
    ami = FakeAmi([concise(ANSWERED)])
    settings.ami_port = ami.port
    try:
        with demo_db.session() as s:
            call = open_call(s, uniqueid=ANSWERED, started_at=utc(1795459077.104321),
                             caller_number="13800000001", category="repair", department="engineering")
            finish_call(call, CallOutcome(ended_at=utc(1795459105.5), disposition="answered",
                                          hangup_by="agent", agent="1001"), 5000)
        rec = Reconciler(settings, demo_db)
        logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
        assert rec.reconcile_once() == 0
        assert ami.commands == []
        logs.write(abandoned_cdrs(), ABANDONED_QUEUE_LOG)  # one Python missed: now Asterisk is asked
        assert rec.reconcile_once() == 1
        assert ami.commands == ["core show channels concise"]
        assert row(demo_db, ABANDONED).source == "rebuilt"
    finally:
        ami.close()


def test_asterisk_running_but_not_answering_postpones(reconciler, logs, demo_db, settings):
    (settings.asterisk_dir / "run").mkdir(parents=True, exist_ok=True)
    (settings.asterisk_dir / "run" / "asterisk.ctl").touch()
    logs.write(answered_cdrs(), ANSWERED_QUEUE_LOG)
    assert reconciler.reconcile_once() == 0
    assert row(demo_db, ANSWERED) is None
    (settings.asterisk_dir / "run" / "asterisk.ctl").unlink()  # Asterisk is gone for good
    assert reconciler.reconcile_once() == 1


def test_nothing_to_do_without_files(reconciler):
    assert reconciler.reconcile_once() == 0
