"""Callbacks owed to missed calls: opened, due by category, settled by a later answered call
or by staff (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from telephony.core.config import load_settings
from telephony.db.models import AnalysisJob, Call, Callback
from telephony.logging import callbacks
from telephony.logging.calllog import CallOutcome, call_ended, finish_call, open_call

Z = timezone.utc
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=Z)


def _call(s, settings, uid, started, disposition, *, number="13800000001", category="repair",
          department="engineering"):
    call = open_call(s, uniqueid=uid, started_at=started, caller_number=number, category=category,
                     department=department)
    answered = disposition == "answered"
    finish_call(call, CallOutcome(ended_at=started + timedelta(seconds=40), disposition=disposition,
                                  hangup_by="caller", department=department,
                                  agent="1001" if answered else None,
                                  answered_at=started + timedelta(seconds=10) if answered else None),
                settings.ring_cadence_ms)
    call_ended(s, call, settings)
    return call


def _callback(s, call) -> Callback | None:
    return s.scalars(select(Callback).where(Callback.call_id == call.id)).first()


@pytest.mark.parametrize("category, minutes", [("emergency", 30), ("complaint", 60), ("repair", 240),
                                               ("inquiry", 24 * 60), (None, 24 * 60)])
def test_a_missed_call_is_owed_a_callback_within_its_reply_limit(db, settings, category, minutes):
    with db.session() as s:
        call = _call(s, settings, "m1", T0, "abandoned", category=category)
        cb = _callback(s, call)
        assert (cb.status, cb.reason, cb.phone) == ("open", "abandoned", "13800000001")
        ended = T0 + timedelta(seconds=40)
        assert callbacks._utc(cb.created_at) == ended
        assert callbacks._utc(cb.due_at) == ended + timedelta(minutes=minutes)


def test_a_message_left_opens_one_and_so_does_rebuilding_the_same_call(db, settings):
    with db.session() as s:
        call = _call(s, settings, "v1", T0, "voicemail", category="complaint", department="service")
        call_ended(s, call, settings)  # the reconciler finishing the same call again
        assert len(list(s.scalars(select(Callback)))) == 1
        assert _callback(s, call).reason == "voicemail"


def test_a_call_missed_in_the_menu_belongs_to_reception(db, settings):
    with db.session() as s:
        call = _call(s, settings, "m1", T0, "abandoned", category=None, department=None)
        assert _callback(s, call).department == settings.reception_department


@pytest.mark.parametrize("number", [None, "", "anonymous", "+++"])
def test_no_callback_without_a_number_to_call(db, settings, number):
    with db.session() as s:
        call = _call(s, settings, "m1", T0, "abandoned", number=number)
        assert _callback(s, call) is None


@pytest.mark.parametrize("disposition", ["answered", "failed"])
def test_answered_and_failed_calls_open_none(db, settings, disposition):
    with db.session() as s:
        call = _call(s, settings, "a1", T0, disposition)
        assert _callback(s, call) is None


def test_an_answered_call_is_queued_for_analysis(db, settings):
    with db.session() as s:
        call = _call(s, settings, "a1", T0, "answered")
        assert s.scalars(select(AnalysisJob).where(AnalysisJob.call_id == call.id)).first() is not None
        missed = _call(s, settings, "m1", T0 + timedelta(hours=1), "abandoned")
        assert s.scalars(select(AnalysisJob).where(AnalysisJob.call_id == missed.id)).first() is None


def test_the_resident_getting_through_later_settles_it(db, settings):
    with db.session() as s:
        missed = _call(s, settings, "m1", T0, "abandoned")
        other = _call(s, settings, "m2", T0, "abandoned", number="13900000009")
        # the same resident, with the +86 prefix this time
        later = _call(s, settings, "a1", T0 + timedelta(minutes=5), "answered", number="+86 138-0000-0001")
        s.expire_all()
        cb = _callback(s, missed)
        assert (cb.status, cb.done_how, cb.done_call_id) == ("done", "answered_later", later.id)
        assert callbacks._utc(cb.done_at) == T0 + timedelta(minutes=5, seconds=10)
        assert _callback(s, other).status == "open"


def test_an_answered_call_that_began_before_the_missed_one_settles_nothing(db, settings):
    with db.session() as s:
        missed = _call(s, settings, "m1", T0, "abandoned")
        _call(s, settings, "a0", T0 - timedelta(minutes=1), "answered")  # logged late (rebuilt)
        s.expire_all()
        assert _callback(s, missed).status == "open"


def test_staff_mark_it_done_once(db, settings):
    with db.session() as s:
        cb = _callback(s, _call(s, settings, "m1", T0, "abandoned"))
        at = T0 + timedelta(hours=1)
        callbacks.mark_done(cb, "supervisor", "回电已处理", now=at)
        callbacks.mark_done(cb, "someone-else", "again", now=at + timedelta(hours=1))
        assert (cb.status, cb.done_how, cb.done_by, cb.note) == ("done", "called_back", "supervisor", "回电已处理")
        assert callbacks._utc(cb.done_at) == at


def test_overdue_is_open_and_past_due(db, settings):
    with db.session() as s:
        cb = _callback(s, _call(s, settings, "m1", T0, "abandoned", category="complaint"))
        due = callbacks._utc(cb.due_at)
        assert not callbacks.is_overdue(cb, due - timedelta(seconds=1))
        assert callbacks.is_overdue(cb, due + timedelta(seconds=1))
        callbacks.mark_done(cb, "supervisor", None)
        assert not callbacks.is_overdue(cb, due + timedelta(days=1))


def test_default_limits_fit_a_configuration_with_other_categories(tmp_path):
    from telephony.core.config import Category

    settings = load_settings(data_dir=tmp_path, menu={"1": "trees"},
                             categories={"trees": Category(name_zh="树木", name_en="Trees", department="service")})
    assert settings.callback_limits_min == {}


@pytest.mark.parametrize("limits, message", [({"lost-and-found": 10}, "unknown categories"),
                                             ({"repair": 0}, "must be positive")])
def test_callback_limits_are_checked(tmp_path, limits, message):
    with pytest.raises(ValidationError, match=message):
        load_settings(data_dir=tmp_path, callback_limits_min=limits)
