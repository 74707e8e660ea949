"""The call log: one row per call, written as the call goes, read by everything else.

Two ways to write it. On the call path (the AGI routes, every call) the row is
written with single Core statements: `record_arrival`, `record_choice`,
`record_end`, none of which loads the row. The reconciler and the tests work
on ORM objects: `open_call`, `finish_call`. Both set the same columns from a
CallOutcome (`outcome_columns`) and end in the same `call_ended`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from telephony.analysis import jobs
from telephony.core.config import Settings, rings_for
from telephony.db import upsert
from telephony.db.models import Call
from telephony.logging import callbacks

DISPOSITIONS = ("answered", "abandoned", "voicemail", "failed")
HANGUP_BY = ("caller", "agent", "system")


@dataclass
class CallOutcome:
    """How a call ended, from the dialplan (live) or Asterisk's records (rebuilt)."""

    ended_at: datetime
    disposition: str
    hangup_by: str | None = None
    department: str | None = None
    agent: str | None = None
    answered_at: datetime | None = None
    ring_ms: int | None = None
    queue_wait_ms: int | None = None
    talk_ms: int | None = None
    recordings: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.disposition not in DISPOSITIONS:
            raise ValueError(f"disposition {self.disposition!r}")
        if self.hangup_by is not None and self.hangup_by not in HANGUP_BY:
            raise ValueError(f"hangup_by {self.hangup_by!r}")


CALLS = Call.__table__
# What call_ended needs of a finished row (record_end returns these).
ENDED_COLUMNS = tuple(CALLS.c[name] for name in (
    "id", "caller_number", "started_at", "answered_at", "ended_at", "disposition", "department", "category"))


def get_call(s: Session, uniqueid: str) -> Call | None:
    return s.scalars(select(Call).where(Call.uniqueid == uniqueid)).first()


def outcome_columns(outcome: CallOutcome, ring_cadence_ms: int) -> dict:
    """The columns a finished call sets; a department the outcome doesn't know is left as it was."""
    columns = {
        "ended_at": outcome.ended_at,
        "disposition": outcome.disposition,
        "hangup_by": outcome.hangup_by,
        "agent": outcome.agent,
        "answered_at": outcome.answered_at,
        "ring_ms": outcome.ring_ms,
        "rings": rings_for(outcome.ring_ms, ring_cadence_ms) if outcome.ring_ms is not None else None,
        "queue_wait_ms": outcome.queue_wait_ms,
        "talk_ms": outcome.talk_ms,
        "recording_caller": outcome.recordings.get("caller"),
        "recording_agent": outcome.recordings.get("agent"),
        "recording_mixed": outcome.recordings.get("mixed"),
    }
    if outcome.department:
        columns["department"] = outcome.department
    return columns


# -- on the call path: Core statements, nothing loaded ------------------------------------
def record_arrival(s: Session, *, uniqueid: str, started_at: datetime, **fields) -> None:
    """The row exists from the first second of the call (idempotent per uniqueid)."""
    s.execute(upsert.insert(s, CALLS).values(uniqueid=uniqueid, started_at=started_at, **fields)
              .on_conflict_do_nothing(index_elements=[CALLS.c.uniqueid]))


def record_choice(s: Session, uniqueid: str, **fields) -> bool:
    """What the menu found out (category, department, unit); False when there is no such row."""
    return s.execute(update(CALLS).where(CALLS.c.uniqueid == uniqueid).values(**fields)).rowcount > 0


def record_end(s: Session, uniqueid: str, outcome: CallOutcome, ring_cadence_ms: int,
               **fields) -> Row | None:
    """Complete the row; its ENDED_COLUMNS for call_ended, or None when there is no such row."""
    return s.execute(update(CALLS).where(CALLS.c.uniqueid == uniqueid)
                     .values(**outcome_columns(outcome, ring_cadence_ms), **fields)
                     .returning(*ENDED_COLUMNS)).first()


# -- on ORM objects: the reconciler, the tests ----------------------------------------------
def open_call(s: Session, *, uniqueid: str, started_at: datetime, **fields) -> Call:
    """record_arrival, and the row as an ORM object."""
    record_arrival(s, uniqueid=uniqueid, started_at=started_at, **fields)
    return get_call(s, uniqueid)


def finish_call(call: Call, outcome: CallOutcome, ring_cadence_ms: int) -> Call:
    for name, value in outcome_columns(outcome, ring_cadence_ms).items():
        setattr(call, name, value)
    return call


def call_ended(s: Session, call: Call | Row, settings: Settings) -> None:
    """What follows the end of a call, whether logged live or rebuilt: an answered call is
    queued for transcription and audit (off the call path) and settles the resident's open
    callbacks; a missed one opens a callback."""
    if call.disposition == "answered":
        jobs.enqueue(s, call.id, delay_s=settings.analysis_delay_s)
        callbacks.close_by_answered_call(s, call)
    else:
        callbacks.open_for_missed(s, call, settings)


def iso_time(value: datetime | None, tz: ZoneInfo) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; we store UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz).isoformat(timespec="milliseconds")


def call_to_dict(call: Call, tz: ZoneInfo) -> dict:
    """The log row's public shape (API and `hotline calls --json`)."""
    return {
        "id": call.id,
        "uniqueid": call.uniqueid,
        "started_at": iso_time(call.started_at, tz),
        "ended_at": iso_time(call.ended_at, tz),
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "resident_id": call.resident_id,
        "unit": call.unit,
        "category": call.category,
        "urgency": call.urgency,
        "department": call.department,
        "agent": call.agent,
        "ivr_answer_ms": call.ivr_answer_ms,
        "answered_at": iso_time(call.answered_at, tz),
        "ring_ms": call.ring_ms,
        "rings": call.rings,
        "queue_wait_ms": call.queue_wait_ms,
        "talk_ms": call.talk_ms,
        "disposition": call.disposition,
        "hangup_by": call.hangup_by,
        "recording": {
            "caller": call.recording_caller,
            "agent": call.recording_agent,
            "mixed": call.recording_mixed,
        },
    }


MAX_ANSWER_MS = 3_600_000  # more than an hour from INVITE to answer is a bogus time, not a wait


def answer_ms(invite: float | str | None, answer: float | str | None) -> int | None:
    """ivr_answer_ms: INVITE to answer (epoch times); None when either is not a plausible time."""
    try:
        ms = (float(answer) - float(invite)) * 1000  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(ms) if 0 <= ms <= MAX_ANSWER_MS else None  # NaN fails both: None


def epoch_to_utc(epoch: float | str | None) -> datetime | None:
    """An epoch time as UTC; None for nothing, or for what is not a time (garbage, NaN, out of range)."""
    if epoch in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(float(epoch), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
