"""The call log row: open, update, finish, and its public shape."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from telephony.core.callerid import clean_text
from telephony.db.models import Call
from telephony.logging.calllog import (
    CallOutcome,
    call_to_dict,
    epoch_to_utc,
    finish_call,
    get_call,
    open_call,
    record_arrival,
    record_choice,
    record_end,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 0, 30, 5, 104321, tzinfo=timezone.utc)  # 08:30:05.104 in Shanghai


def count_calls(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Call))


def test_open_call_is_idempotent_per_uniqueid(db):
    with db.session() as s:
        first = open_call(s, uniqueid="1795459077.2", started_at=T0, caller_number="13800000001")
        again = open_call(s, uniqueid="1795459077.2", started_at=T0 + timedelta(minutes=1),
                          caller_number="other")
        assert again is first
    with db.session() as s:  # and across sessions (a second AGI pass, a restart)
        later = open_call(s, uniqueid="1795459077.2", started_at=T0 + timedelta(hours=1))
        assert later.id == first.id and later.caller_number == "13800000001"
        other = open_call(s, uniqueid="1795459077.3", started_at=T0)
        assert other.id != first.id
    assert count_calls(db) == 2


def test_open_call_has_an_id_at_once_and_defaults_to_source_agi(db):
    with db.session() as s:
        call = open_call(s, uniqueid="u1", started_at=T0)
        assert call.id is not None
    with db.session() as s:
        assert get_call(s, "u1").source == "agi"


def test_record_choice(db):
    with db.session() as s:
        open_call(s, uniqueid="u1", started_at=T0)
    with db.session() as s:
        assert record_choice(s, "missing", category="repair") is False
        assert record_choice(s, "u1", category="repair", department="engineering", unit="3-2-502") is True
    with db.session() as s:
        c = get_call(s, "u1")
        assert (c.category, c.department, c.unit) == ("repair", "engineering", "3-2-502")
    assert count_calls(db) == 1


RINGS = [  # (ring_ms, cadence_ms, rings): floor(t / cadence) + 1
    (0, 5000, 1), (4999, 5000, 1), (5000, 5000, 2), (6800, 5000, 2), (14999, 5000, 3),
    (15000, 5000, 4), (7000, 6000, 2), (11999, 6000, 2), (12000, 6000, 3),
]


def test_finish_call_counts_rings_from_ring_ms_and_the_cadence(db):
    with db.session() as s:
        for i, (ring_ms, cadence, _) in enumerate(RINGS):
            call = open_call(s, uniqueid=f"u{i}", started_at=T0)
            finish_call(call, CallOutcome(ended_at=T0 + timedelta(seconds=60), disposition="answered",
                                          agent="1001", ring_ms=ring_ms), cadence)
    with db.session() as s:
        for i, (ring_ms, cadence, rings) in enumerate(RINGS):
            c = get_call(s, f"u{i}")
            assert (c.ring_ms, c.rings) == (ring_ms, rings), (ring_ms, cadence)


def test_finish_call_copies_the_outcome(db):
    with db.session() as s:
        call = open_call(s, uniqueid="u1", started_at=T0, department="engineering", category="repair")
        finish_call(call, CallOutcome(
            ended_at=T0 + timedelta(seconds=40), disposition="answered", hangup_by="agent",
            department=None, agent="1001", answered_at=T0 + timedelta(seconds=12), ring_ms=3000,
            queue_wait_ms=4000, talk_ms=25000,
            recordings={"caller": "/r/u1-caller.wav", "agent": "/r/u1-agent.wav", "mixed": "/r/u1-mixed.wav"},
        ), 5000)
    with db.session() as s:
        c = get_call(s, "u1")
        assert (c.disposition, c.hangup_by, c.agent) == ("answered", "agent", "1001")
        assert c.department == "engineering"  # no department in the outcome: kept
        assert (c.queue_wait_ms, c.talk_ms, c.rings) == (4000, 25000, 1)
        assert (c.recording_caller, c.recording_agent, c.recording_mixed) == (
            "/r/u1-caller.wav", "/r/u1-agent.wav", "/r/u1-mixed.wav")


def test_unanswered_outcome_has_no_rings(db):
    with db.session() as s:
        call = open_call(s, uniqueid="u1", started_at=T0, department="engineering")
        finish_call(call, CallOutcome(ended_at=T0, disposition="abandoned", hangup_by="caller",
                                      department="service"), 5000)
    with db.session() as s:
        c = get_call(s, "u1")
        assert (c.ring_ms, c.rings, c.agent, c.department) == (None, None, None, "service")


@pytest.mark.parametrize("kwargs", [{"disposition": "hung"}, {"disposition": "answered", "hangup_by": "nobody"}])
def test_outcome_rejects_unknown_values(kwargs):
    with pytest.raises(ValueError):
        CallOutcome(ended_at=T0, **kwargs)


def test_call_to_dict_is_iso8601_in_the_configured_time_zone(db, settings):
    assert settings.timezone == "Asia/Shanghai"
    with db.session() as s:
        call = open_call(s, uniqueid="u1", started_at=T0, caller_number="13800000001")
        finish_call(call, CallOutcome(ended_at=T0 + timedelta(seconds=61, microseconds=500000),
                                      disposition="answered", agent="1001",
                                      answered_at=T0 + timedelta(seconds=10), ring_ms=2000), 5000)
    with db.session() as s:  # read back from the database, not the object written
        stored = get_call(s, "u1")
        d = call_to_dict(stored, ZoneInfo(settings.timezone))
    assert d["started_at"] == "2026-11-23T08:30:05.104+08:00"
    assert d["answered_at"] == "2026-11-23T08:30:15.104+08:00"
    assert d["ended_at"] == "2026-11-23T08:31:06.604+08:00"
    assert datetime.fromisoformat(d["started_at"]) == T0.replace(microsecond=104000)
    assert d["uniqueid"] == "u1" and d["rings"] == 1 and d["ring_ms"] == 2000
    assert d["recording"] == {"caller": None, "agent": None, "mixed": None}
    assert set(d) >= {"id", "caller_number", "caller_name", "unit", "category", "urgency",
                      "department", "agent", "ivr_answer_ms", "queue_wait_ms", "talk_ms",
                      "disposition", "hangup_by"}


def test_call_to_dict_across_midnight_and_other_zones(db):
    late = datetime(2026, 12, 31, 16, 0, 0, tzinfo=timezone.utc)  # new year's day in Shanghai
    with db.session() as s:
        open_call(s, uniqueid="u1", started_at=late)
    with db.session() as s:
        stored = get_call(s, "u1")
        assert call_to_dict(stored, SHANGHAI)["started_at"] == "2027-01-01T00:00:00.000+08:00"
        assert call_to_dict(stored, ZoneInfo("UTC"))["started_at"] == "2026-12-31T16:00:00.000+00:00"
        assert call_to_dict(stored, SHANGHAI)["ended_at"] is None
        assert call_to_dict(stored, SHANGHAI)["answered_at"] is None


# -- the call path's Core writes ---------------------------------------------------------
FULL_OUTCOME = CallOutcome(
    ended_at=T0 + timedelta(seconds=40), disposition="answered", hangup_by="caller", department=None,
    agent="1001", answered_at=T0 + timedelta(seconds=12), ring_ms=6000, queue_wait_ms=4000, talk_ms=25000,
    recordings={"caller": "/r/c.wav", "agent": "/r/a.wav", "mixed": "/r/m.wav"})
WRITTEN = ("started_at", "ended_at", "caller_number", "unit", "category", "department", "agent", "answered_at",
           "ring_ms", "rings", "queue_wait_ms", "talk_ms", "disposition", "hangup_by", "recording_caller",
           "recording_agent", "recording_mixed", "source")


def test_record_arrival_is_idempotent_per_uniqueid_and_defaults_to_source_agi(db):
    with db.session() as s:
        record_arrival(s, uniqueid="u1", started_at=T0, caller_number="13800000001", ivr_answer_ms=40)
        record_arrival(s, uniqueid="u1", started_at=T0 + timedelta(minutes=1), caller_number="other")
    with db.session() as s:  # and across sessions (a second AGI pass)
        record_arrival(s, uniqueid="u1", started_at=T0 + timedelta(hours=1))
    with db.session() as s:
        c = get_call(s, "u1")
        assert (c.caller_number, c.ivr_answer_ms, c.source) == ("13800000001", 40, "agi")
        assert c.updated_at is not None and c.ended_at is None
    assert count_calls(db) == 1


def test_record_end_writes_what_finish_call_writes(db):
    """The two ways to finish a row: the same outcome gives the same row."""
    with db.session() as s:
        for uid in ("core", "orm"):
            record_arrival(s, uniqueid=uid, started_at=T0, caller_number="13800000001", category="repair",
                           department="engineering", unit="3-2-502")
    with db.session() as s:
        ended = record_end(s, "core", FULL_OUTCOME, 5000)
        finish_call(get_call(s, "orm"), FULL_OUTCOME, 5000)
    with db.session() as s:
        core, orm = get_call(s, "core"), get_call(s, "orm")
        assert [getattr(core, k) for k in WRITTEN] == [getattr(orm, k) for k in WRITTEN]
        assert (core.rings, core.department, core.disposition) == (2, "engineering", "answered")
    # what call_ended needs comes back with it, without loading the row
    assert (ended.id, ended.caller_number, ended.disposition, ended.category) == (
        core.id, "13800000001", "answered", "repair")


def test_record_end_with_holds_and_on_a_missing_row(db):
    with db.session() as s:
        record_arrival(s, uniqueid="u1", started_at=T0)
    with db.session() as s:
        assert record_end(s, "missing", FULL_OUTCOME, 5000) is None
        record_end(s, "u1", FULL_OUTCOME, 5000, holds=[[3.5, 30.0]], transfers=None)
    with db.session() as s:
        c = get_call(s, "u1")
        assert c.holds == [[3.5, 30.0]] and c.transfers is None
    assert count_calls(db) == 1


def test_core_writes_mark_the_row_changed_for_the_reports(db):
    with db.session() as s:
        record_arrival(s, uniqueid="u1", started_at=T0)
    stamps = []
    for write in (lambda s: record_choice(s, "u1", category="repair"),
                  lambda s: record_end(s, "u1", FULL_OUTCOME, 5000)):
        with db.session() as s:
            stamps.append(get_call(s, "u1").updated_at)
        with db.session() as s:
            write(s)
    with db.session() as s:
        stamps.append(get_call(s, "u1").updated_at)
    assert stamps[0] < stamps[1] < stamps[2]


HOSTILE = [
    "'; DROP TABLE calls; --",
    'Robert"); DELETE FROM residents; --',
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>&amp;",
    '"陈明" <13800000001>',
    "9" * 1024,
    "名" * 1024,
    b"\xff\xfe\xc0\xaf138\xed\xa0\x80".decode("utf-8", "replace"),
    "%s %(name)s {0} \\x00 $1 ${CALLERID(num)}",
]


@pytest.mark.parametrize("write", [open_call, record_arrival])
def test_hostile_caller_ids_are_stored_and_read_back_as_inert_text(db, write):
    with db.session() as s:
        for i, text in enumerate(HOSTILE):
            write(s, uniqueid=f"u{i}", started_at=T0, caller_number=text, caller_name=text)
    with db.session() as s:
        for i, text in enumerate(HOSTILE):
            c = get_call(s, f"u{i}")
            assert c.caller_number == text and c.caller_name == text, text[:40]
            d = call_to_dict(c, SHANGHAI)
            assert d["caller_number"] == text and d["caller_name"] == text
    assert count_calls(db) == len(HOSTILE)


def test_control_characters_are_cleaned_before_they_reach_the_database(db):
    raw = "138\x00\x07\x1b[2J0000\u202e0001"
    with db.session() as s:  # NUL would be refused by PostgreSQL: the cleaned text is stored
        open_call(s, uniqueid="u1", started_at=T0, caller_number=clean_text(raw, 128))
    with db.session() as s:
        assert get_call(s, "u1").caller_number == "138[2J00000001"


def test_epoch_to_utc():
    assert epoch_to_utc(None) is None and epoch_to_utc("") is None
    assert epoch_to_utc("1795459077.5") == datetime(2026, 11, 23, 18, 37, 57, 500000, tzinfo=timezone.utc)
    assert epoch_to_utc(0).tzinfo is timezone.utc
