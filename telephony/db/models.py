"""The tables: residents, agents, the call log (《用户来电来访登记表》), its analysis, and who may
read it (users, their API sessions, recordings by token and every access to them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement


class Base(DeclarativeBase):
    pass


class db_now(FunctionElement):  # noqa: N801 - used like func.now()
    """The database's clock (UTC), for calls.updated_at.

    PostgreSQL: clock_timestamp(), the statement's time rather than its transaction's start
    (now()), so that a row's time lags its commit as little as possible. SQLite: text in
    SQLAlchemy's own format with microseconds ("2026-11-23 08:00:00.123000"), which compares
    as text with the values SQLAlchemy binds; CURRENT_TIMESTAMP has whole seconds only."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(db_now)
def _db_now(_element, _compiler, **_kw) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(db_now, "postgresql")
def _db_now_postgresql(_element, _compiler, **_kw) -> str:
    return "clock_timestamp()"


@compiles(db_now, "sqlite")
def _db_now_sqlite(_element, _compiler, **_kw) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), index=True)  # digits only
    unit: Mapped[str] = mapped_column(String(32), index=True)  # building-entrance-room


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # SIP username
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(40), index=True)
    # md5(number:realm:password); Asterisk's md5_cred, so no clear password is kept.
    sip_ha1: Mapped[str] = mapped_column(String(32))


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("uniqueid", name="uq_calls_uniqueid"),
        # The reports read a started_at range from this index alone (migration 0003).
        Index("ix_calls_report", "started_at", "disposition", "rings", "ring_ms", "queue_wait_ms",
              "agent", "department", "category", "urgency", "unit", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64))  # the caller channel's Asterisk UNIQUEID
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    caller_number: Mapped[str | None] = mapped_column(Text)  # as received: inert text
    caller_name: Mapped[str | None] = mapped_column(Text)
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit: Mapped[str | None] = mapped_column(String(32), index=True)
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    urgency: Mapped[str | None] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(40), index=True)
    agent: Mapped[str | None] = mapped_column(String(20), index=True)
    ivr_answer_ms: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ring_ms: Mapped[int | None] = mapped_column(Integer)
    rings: Mapped[int | None] = mapped_column(Integer)
    queue_wait_ms: Mapped[int | None] = mapped_column(Integer)
    talk_ms: Mapped[int | None] = mapped_column(Integer)
    disposition: Mapped[str | None] = mapped_column(String(20), index=True)
    hangup_by: Mapped[str | None] = mapped_column(String(20))
    recording_caller: Mapped[str | None] = mapped_column(Text)
    recording_agent: Mapped[str | None] = mapped_column(Text)
    recording_mixed: Mapped[str | None] = mapped_column(Text)
    # Where the row came from: "agi" (live) or "rebuilt" (from CDR + queue_log).
    source: Mapped[str] = mapped_column(String(20), default="agi")
    # Holds and transfers during the talk, from AMI: [[start, end], ...] and [t, ...],
    # seconds after answer. What the hold and transfer rules of the audit judge.
    holds: Mapped[list | None] = mapped_column(JSON)
    transfers: Mapped[list | None] = mapped_column(JSON)
    # When the row last changed, by the database's clock: the reports' in-memory frame reads
    # only what changed since it last looked (telephony.reports.frame). Set on insert and on
    # every ORM update; writers of what reports read from other tables (verdicts, callbacks)
    # bump it with telephony.db.changes.touch_calls. NULL: not changed since migration 0006.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=db_now(),
                                                        onupdate=db_now(), index=True)


class Transcript(Base):
    """One leg of one call, transcribed: times are seconds after the agent answered."""

    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("call_id", "leg", name="uq_transcripts_call_leg"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    leg: Mapped[str] = mapped_column(String(10))  # caller | agent
    engine: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    segments: Mapped[list] = mapped_column(JSON)  # [{start, end, text}]
    audio_s: Mapped[float] = mapped_column(Float)
    cpu_s: Mapped[float] = mapped_column(Float)


class AuditVerdict(Base):
    __tablename__ = "audit_verdicts"
    __table_args__ = (
        UniqueConstraint("call_id", "rule", name="uq_audit_call_rule"),
        Index("ix_audit_verdicts_report", "call_id", "rule", "verdict"),  # migration 0003
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(10), index=True)  # pass | fail | n/a
    evidence: Mapped[dict] = mapped_column(JSON)


class AnalysisJob(Base):
    """Transcribe and audit one answered call, off the call path.

    A queue in the database itself: workers on any number of machines claim
    jobs with SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL); a claim expires
    after a lease, so a crashed worker loses no job.
    """

    __tablename__ = "analysis_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending | running | done | error
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """Someone who signs in to the supervisors' desk (API): admin, supervisor or agent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # admin | supervisor | agent
    departments: Mapped[list] = mapped_column(JSON, default=list)  # a supervisor's departments
    agent: Mapped[str | None] = mapped_column(String(20))  # an agent's number (agents.number)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2 (pwdlib), never the password
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiSession(Base):
    """A signed-in user's bearer token: only its SHA-256 is kept; revoked at logout."""

    __tablename__ = "api_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Recording(Base):
    """One leg's WAV, served as /api/recordings/<token>: the token is random, never the call id."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("call_id", "leg", name="uq_recordings_call_leg"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    leg: Mapped[str] = mapped_column(String(10))  # caller | agent | mixed
    token: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)


class RecordingAccess(Base):
    """Every playback or download of a recording: who, when, which call and leg, from where."""

    __tablename__ = "recording_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(40))  # as it was then, for the log's reader
    # No cascade: an audit log outlives nothing it refers to.
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    leg: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(10))  # play | download
    client: Mapped[str | None] = mapped_column(String(64))  # the client's address


class Callback(Base):
    """A call back owed to a resident whose call was missed (abandoned, or a message left).

    Due within the reply limit of the call's category (the settings' callback limits). Done when
    the resident gets through on a later call, or when staff mark it done after calling back.
    """

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)  # digits, as phone_digits() gives them
    # The call's department, or reception's for a call missed before the menu chose one:
    # whose supervisors see the callback.
    department: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # abandoned | voicemail
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | done
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "answered_later" (the resident got through on call done_call_id) or "called_back" (by done_by)
    done_how: Mapped[str | None] = mapped_column(String(20))
    done_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    done_by: Mapped[str | None] = mapped_column(String(40))  # username
    note: Mapped[str | None] = mapped_column(Text)
