"""The two routes of a call and the log row they write, over a real FastAGI socket."""
from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from telephony.agi import variables as V
from agi.fake_asterisk import FakeChannel, agi_env, env_bytes, play_call
from telephony.db.models import AnalysisJob, Call
from telephony.logging.calllog import get_call

CALLER_CHANNEL = "PJSIP/anonymous-00000001"
MEMBER_CHANNEL = "PJSIP/1001-00000002"
MEMBER_UID = "1795459084.3"
INVITE_TS = "1795459077.104321"
_uids = itertools.count(100)


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def same_instant(value: datetime | None, expected: datetime) -> bool:
    """SQLite gives back naive UTC, PostgreSQL aware datetimes: compare the instant."""
    assert value is not None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return abs(value - expected) < timedelta(microseconds=1000)


def row(db, uid):
    with db.session() as s:
        return get_call(s, uid)


def incoming(agi_server, uid, callerid="13800000001", calleridname="unknown", keys=None, variables=None):
    variables = {"HOTLINE_INVITE_TS": INVITE_TS} if variables is None else variables
    channel = FakeChannel(variables, keys if keys is not None else {"greeting": ["1"]})
    env = agi_env("incoming", uniqueid=uid, callerid=callerid, calleridname=calleridname,
                  channel=CALLER_CHANNEL)
    return play_call(agi_server.port, env, channel)


def call_end(agi_server, uid, **variables):
    """The hangup handler's AGI(): the variables as its arguments, in the dialplan's order."""
    args = {f"agi_arg_{i}": variables.get(name) or "" for i, name in enumerate(V.CALL_END_ARGS, 1)}
    channel = play_call(agi_server.port, agi_env("call-end", uniqueid=uid, channel=CALLER_CHANNEL,
                                                 agi_context="hotline-call-end", agi_extension="s", **args))
    assert not [c for c in channel.commands if c[:2] == ["GET", "VARIABLE"]]  # no round trip for them
    return channel


def ring_events(caller_uid, ring_at=1795459084.35, up_at=1795459091.15, dial_at=1795459084.2,
                ringing=True):
    events = [{"Event": "DialBegin", "Timestamp": f"{dial_at:.6f}", "Uniqueid": caller_uid,
               "Channel": CALLER_CHANNEL, "DestUniqueid": MEMBER_UID, "DestChannel": MEMBER_CHANNEL}]
    if ringing:
        events.append({"Event": "Newstate", "Timestamp": f"{ring_at:.6f}", "Uniqueid": MEMBER_UID,
                       "Channel": MEMBER_CHANNEL, "ChannelState": "5", "ChannelStateDesc": "Ringing"})
    events += [
        {"Event": "Newstate", "Timestamp": f"{up_at:.6f}", "Uniqueid": MEMBER_UID,
         "Channel": MEMBER_CHANNEL, "ChannelState": "6", "ChannelStateDesc": "Up"},
        {"Event": "AgentConnect", "Timestamp": f"{up_at + 0.01:.6f}", "Uniqueid": caller_uid,
         "Channel": CALLER_CHANNEL, "DestUniqueid": MEMBER_UID, "DestChannel": MEMBER_CHANNEL,
         "Queue": "dept-engineering", "MemberName": "1001", "Interface": "PJSIP/1001",
         "HoldTime": "7", "RingTime": "7"},
    ]
    return events


# -- incoming: the row exists from the first second --------------------------------

def test_incoming_opens_the_row_with_times_from_the_dialplan(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    invite_ts = f"{time.time() - 0.5:.6f}"  # the INVITE came half a second ago
    incoming(agi_server, uid, variables={"HOTLINE_INVITE_TS": invite_ts})
    c = row(demo_db, uid)
    assert same_instant(c.started_at, utc(float(invite_ts)))
    assert 500 <= c.ivr_answer_ms < 500 + 5000  # from the INVITE to Python's ANSWER
    assert c.caller_number == "13800000001" and c.caller_name == "陈明"
    assert c.source == "agi" and c.ended_at is None and c.disposition is None


def test_an_implausible_invite_time_leaves_the_answer_time_empty(agi_server, demo_db):
    for invite_ts in (INVITE_TS, f"{time.time() + 60:.3f}", "nan", "1e309"):  # days ago, ahead, not times
        uid = f"1795459077.{next(_uids)}"
        incoming(agi_server, uid, variables={"HOTLINE_INVITE_TS": invite_ts})
        c = row(demo_db, uid)
        assert c is not None and c.ivr_answer_ms is None, invite_ts


def test_incoming_without_dialplan_timestamps_uses_now(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    before = datetime.now(timezone.utc)
    incoming(agi_server, uid, variables={})
    c = row(demo_db, uid)
    started = c.started_at if c.started_at.tzinfo else c.started_at.replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=1) <= started <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert c.ivr_answer_ms is None


def test_incoming_twice_for_one_call_keeps_one_row(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid, keys={"greeting": ["1"]})
    incoming(agi_server, uid, keys={"greeting": ["9"]})
    with demo_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Call).where(Call.uniqueid == uid)) == 1
    assert row(demo_db, uid).category == "emergency"  # the second pass updates the same row


def test_unknown_caller_id_keeps_name_from_the_network(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid, callerid="13912345678", calleridname="Li Lei",
             keys={"greeting": ["9"]})
    c = row(demo_db, uid)
    assert (c.caller_number, c.caller_name, c.resident_id) == ("13912345678", "Li Lei", None)


def test_withheld_caller_id_is_none(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid, callerid="unknown", calleridname="unknown", keys={"greeting": ["9"]})
    c = row(demo_db, uid)
    assert c.caller_number is None and c.caller_name is None


HOSTILE_IDS = [
    ("'; DROP TABLE calls; --", '<script>alert("x")</script>'),
    ('"quoted" 138', "Robert'); DELETE FROM residents;--"),
    ("9" * 1024, "名" * 1024),
    ("1380000\x1b[31m0001", "\u202eevil\u200b"),
]


def test_hostile_caller_id_is_stored_as_inert_bounded_text(agi_server, demo_db, settings):
    limit = settings.caller_id_max_chars
    for number, name in HOSTILE_IDS:
        uid = f"1795459077.{next(_uids)}"
        ch = incoming(agi_server, uid, callerid=number, calleridname=name, keys={"greeting": ["9"]})
        assert ch.sets("HOTLINE_AGI_ERROR") == [] and ch.sets("HOTLINE_QUEUE") == ["dept-security"]
        c = row(demo_db, uid)
        assert c.caller_number is not None and len(c.caller_number) <= limit
        assert c.caller_name is not None and len(c.caller_name) <= limit
        if number.isprintable():
            assert c.caller_number == number[:limit]
        if name.isprintable():
            assert c.caller_name == name[:limit]
        assert "\x1b" not in c.caller_number and "\u202e" not in c.caller_name
    with demo_db.session() as s:  # and nothing was executed
        assert s.scalar(select(func.count()).select_from(Call)) == len(HOSTILE_IDS)


def test_caller_id_from_invalid_utf8_is_stored_as_replacement_characters(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    env = env_bytes(agi_env("incoming", uniqueid=uid, callerid="X", calleridname="Y",
                            channel=CALLER_CHANNEL))
    env = env.replace(b"agi_callerid: X", b"agi_callerid: \xff\xfe138")
    env = env.replace(b"agi_calleridname: Y", b"agi_calleridname: Zh\xc3\x28ang")
    ch = play_call(agi_server.port, env, FakeChannel({"HOTLINE_INVITE_TS": INVITE_TS},
                                                 {"greeting": ["9"]}))
    assert ch.sets("HOTLINE_QUEUE") == ["dept-security"]
    c = row(demo_db, uid)
    assert c.caller_number == "\ufffd\ufffd138"
    assert c.caller_name == "Zh\ufffd(ang"


# -- call-end: the row is completed -------------------------------------------------

def test_answered_call_end_completes_the_row(agi_server, demo_db, settings):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    for event in ring_events(uid):
        agi_server.rings.feed(event)
    rec_base = str(settings.recordings_dir / uid)
    ch = call_end(agi_server, uid, MEMBERNAME="1001", HOTLINE_REC_BASE=rec_base,
                  HOTLINE_HANGUP_SOURCE=CALLER_CHANNEL, HOTLINE_END_TS="1795459105.532",
                  HOTLINE_QUEUE="dept-engineering", QUEUEWAIT_MS="7012", ANSWEREDTIME_MS="14373")
    assert ch.sets("HOTLINE_AGI_ERROR") == []
    c = row(demo_db, uid)
    assert c.disposition == "answered" and c.hangup_by == "caller"
    assert c.agent == "1001" and c.department == "engineering"
    assert c.ring_ms == 6800 and c.rings == 2  # Ringing -> Up of the member channel, 5 s cadence
    assert same_instant(c.answered_at, utc(1795459091.15))
    assert same_instant(c.ended_at, utc(1795459105.532))
    assert (c.queue_wait_ms, c.talk_ms) == (7012, 14373)
    assert (c.recording_caller, c.recording_agent, c.recording_mixed) == (
        f"{rec_base}-caller.wav", f"{rec_base}-agent.wav", f"{rec_base}-mixed.wav")
    assert (c.category, c.unit) == ("repair", "3-2-502")  # what incoming wrote stays


def test_call_end_asks_for_what_the_dialplan_did_not_pass(agi_server, demo_db):
    """A dialplan without the arguments (an older extensions.conf): GET VARIABLE for each."""
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    channel = FakeChannel({"HOTLINE_HANGUP_SOURCE": CALLER_CHANNEL, "HOTLINE_QUEUE": "dept-engineering",
                           "HOTLINE_END_TS": "1795459099.000", "QUEUEWAIT_MS": "9000"})
    play_call(agi_server.port, agi_env("call-end", uniqueid=uid, channel=CALLER_CHANNEL,
                                       agi_context="hotline-call-end", agi_extension="s"), channel)
    asked = [c[2] for c in channel.commands if c[:2] == ["GET", "VARIABLE"]]
    assert asked and set(asked) <= set(V.CALL_END_ARGS)
    c = row(demo_db, uid)
    assert (c.disposition, c.hangup_by, c.queue_wait_ms) == ("abandoned", "caller", 9000)
    assert same_instant(c.ended_at, utc(1795459099.0))


def test_holds_and_transfers_are_kept_in_seconds_after_answer_and_the_call_queued(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    for event in ring_events(uid):  # answered at 1795459091.15
        agi_server.rings.feed(event)
    for name, at in (("Hold", 1795459101.15), ("Unhold", 1795459126.15), ("Hold", 1795459130.15)):
        agi_server.holds.feed({"Event": name, "Timestamp": f"{at:.6f}", "Channel": MEMBER_CHANNEL,
                               "Uniqueid": MEMBER_UID, "Linkedid": uid})
    agi_server.holds.feed({"Event": "BlindTransfer", "Timestamp": "1795459128.150000", "Result": "Success",
                           "TransfererUniqueid": MEMBER_UID, "TransfererLinkedid": uid})
    call_end(agi_server, uid, MEMBERNAME="1001", HOTLINE_HANGUP_SOURCE=CALLER_CHANNEL,
             HOTLINE_END_TS="1795459135.150", HOTLINE_QUEUE="dept-engineering")
    c = row(demo_db, uid)
    assert c.holds == [[10.0, 35.0], [39.0, 44.0]]  # a hold still open ends with the call
    assert c.transfers == [37.0]
    with demo_db.session() as s:
        job = s.scalars(select(AnalysisJob).where(AnalysisJob.call_id == c.id)).one()
    assert job.status == "pending"


def test_unanswered_calls_are_not_queued_for_analysis(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    call_end(agi_server, uid, HOTLINE_HANGUP_SOURCE=CALLER_CHANNEL, HOTLINE_QUEUE="dept-engineering")
    with demo_db.session() as s:
        assert s.scalar(select(func.count()).select_from(AnalysisJob)) == 0


def test_agent_hanging_up_is_recorded(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    for event in ring_events(uid, ringing=False):  # the phone never sent 180: from DialBegin
        agi_server.rings.feed(event)
    call_end(agi_server, uid, MEMBERNAME="1001", HOTLINE_HANGUP_SOURCE=MEMBER_CHANNEL,
             HOTLINE_QUEUE="dept-engineering", ANSWEREDTIME_MS="30000")
    c = row(demo_db, uid)
    assert c.hangup_by == "agent"
    assert c.ring_ms == 6950 and c.rings == 2


def test_abandoned_call_end(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    call_end(agi_server, uid, HOTLINE_HANGUP_SOURCE=CALLER_CHANNEL, HOTLINE_QUEUE="dept-engineering",
             HOTLINE_END_TS="1795459099.000", QUEUEWAIT_MS="9000",
             HOTLINE_MESSAGE="/nonexistent/never-recorded-message.wav")
    c = row(demo_db, uid)
    assert (c.disposition, c.hangup_by, c.agent) == ("abandoned", "caller", None)
    assert c.talk_ms is None and c.ring_ms is None and c.rings is None
    assert c.queue_wait_ms == 9000
    assert c.recording_caller is None


def test_asterisk_ending_an_unanswered_call_is_failed(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    call_end(agi_server, uid, HOTLINE_HANGUP_SOURCE="", HOTLINE_QUEUE="dept-engineering",
             HOTLINE_END_TS="1795459099.000")
    c = row(demo_db, uid)
    assert (c.disposition, c.hangup_by, c.agent) == ("failed", "system", None)
    assert c.department == "engineering"


def test_message_left_is_voicemail_in_the_overflow_department(agi_server, demo_db, settings):
    uid = f"1795459077.{next(_uids)}"
    incoming(agi_server, uid)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    message = settings.recordings_dir / f"{uid}-message.wav"
    message.write_bytes(b"RIFF")
    call_end(agi_server, uid, HOTLINE_HANGUP_SOURCE=CALLER_CHANNEL, HOTLINE_QUEUE="dept-service",
             HOTLINE_OVERFLOW_FROM="dept-engineering", HOTLINE_MESSAGE=str(message))
    c = row(demo_db, uid)
    assert (c.disposition, c.department, c.recording_caller) == ("voicemail", "service", str(message))
    assert c.recording_agent is None


def test_call_end_without_a_row_writes_nothing(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    for event in ring_events(uid):
        agi_server.rings.feed(event)
    ch = call_end(agi_server, uid, MEMBERNAME="1001", HOTLINE_HANGUP_SOURCE="")
    assert ch.sets("HOTLINE_AGI_ERROR") == []
    assert row(demo_db, uid) is None  # left for the reconciler to rebuild
