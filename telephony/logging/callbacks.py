"""Callbacks owed to residents whose calls were missed.

An unanswered call must never be the end of it (domain.md: an unanswered call
overflows, and every request is replied to within its limit). So a call that
ends abandoned or with a message left opens a callback, due within the reply
limit of its category (`callback_limits_min`, else `callback_default_limit_min`:
the 24-hour reply rule). It is done when the resident gets through on a later
answered call, or when staff mark it done after calling back.

A missed call without a usable number (anonymous caller ID) opens none: there
is no one to call back.

The volume report counts each call's callback: opening and settling one marks its
call changed (calls.updated_at), so that the reports' frame reads it again.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from telephony.core.callerid import phone_digits
from telephony.core.config import Settings
from telephony.db.changes import touch_calls
from telephony.db.models import Call, Callback

MISSED = ("abandoned", "voicemail")
OPEN, DONE = "open", "done"
ANSWERED_LATER, CALLED_BACK = "answered_later", "called_back"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def reply_limit(settings: Settings, category: str | None) -> timedelta:
    minutes = settings.callback_limits_min.get(category or "", settings.callback_default_limit_min)
    return timedelta(minutes=minutes)


def open_for_missed(s: Session, call: Call, settings: Settings) -> Callback | None:
    """The callback a missed call is owed (once per call), or None for other calls."""
    phone = phone_digits(call.caller_number)
    if call.disposition not in MISSED or not phone:
        return None
    existing = s.scalars(select(Callback).where(Callback.call_id == call.id)).first()
    if existing is not None:
        return existing
    created = _utc(call.ended_at) or datetime.now(timezone.utc)
    callback = Callback(call_id=call.id, phone=phone, reason=call.disposition, created_at=created,
                        department=call.department or settings.reception_department,
                        due_at=created + reply_limit(settings, call.category), status=OPEN)
    s.add(callback)
    s.flush()
    touch_calls(s, [call.id])
    return callback


def close_by_answered_call(s: Session, call: Call) -> int:
    """An answered call from the same number settles the callbacks opened before it began."""
    phone = phone_digits(call.caller_number)
    if call.disposition != "answered" or not phone:
        return 0
    started = _utc(call.started_at)
    # Most answered calls settle nothing: one query finds that out, nothing is written.
    owed = s.execute(select(Callback.id, Callback.call_id).where(
        Callback.phone == phone, Callback.status == OPEN, Callback.created_at <= started,
        Callback.call_id != call.id)).all()
    if not owed:
        return 0
    touch_calls(s, [row.call_id for row in owed])
    result = s.execute(
        update(Callback)
        .where(Callback.id.in_([row.id for row in owed]), Callback.status == OPEN)
        .values(status=DONE, done_how=ANSWERED_LATER, done_call_id=call.id,
                done_at=_utc(call.answered_at) or _utc(call.ended_at) or started)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def mark_done(callback: Callback, username: str, note: str | None, now: datetime | None = None) -> Callback:
    """Staff called the resident back. Marking a done callback again changes nothing."""
    if callback.status == DONE:
        return callback
    callback.status = DONE
    callback.done_how = CALLED_BACK
    callback.done_by = username
    callback.done_at = now or datetime.now(timezone.utc)
    callback.note = note
    if (s := object_session(callback)) is not None:
        touch_calls(s, [callback.call_id])
    return callback


def is_overdue(callback: Callback, now: datetime) -> bool:
    return callback.status == OPEN and _utc(callback.due_at) < now
