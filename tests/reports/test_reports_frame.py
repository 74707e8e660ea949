"""The reports' in-memory frame of the call log (telephony/reports/frame.py), on SQLite and
PostgreSQL: what changes after a report is in the next one, whoever wrote it; rows out of
started_at order; consistent answers while it refreshes; never a stale answer when the
database is down."""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from reports_helpers import get_report, rows_by, utc
from telephony.analysis.worker import AnalysisWorker
from telephony.db.models import Call, Callback
from telephony.logging.calllog import CallOutcome, call_ended, finish_call, open_call
from telephony.reports import Scope, answer_time_report, compliance_report
from telephony.reports.frame import frame_for, load
from telephony.transcribe.engines import Segment, Transcript

DAY = {"since": "2026-11-23T00:00:00+08:00", "until": "2026-11-24T00:00:00+08:00"}
T0 = utc(2026, 11, 23, 2)


def _total(api, report="answer-time", **params) -> dict:
    return get_report(api, report, **{**DAY, **params})["rows"][0]


def test_a_call_finished_after_a_report_is_in_the_next_one(db, seed, api, settings):
    seed(lambda s: s.call(T0, None, department="engineering", category="repair"))  # still going
    row = _total(api)
    assert (row["offered"], row["in_progress"]) == (0, 1)
    with db.session() as s:  # the call log's own path (the dialplan's call-end)
        call = s.scalars(select(Call)).one()
        finish_call(call, CallOutcome(ended_at=T0 + timedelta(minutes=3), disposition="answered",
                                      agent="1001", ring_ms=6000, queue_wait_ms=7000), settings.ring_cadence_ms)
        open_call(s, uniqueid="new.1", started_at=T0 + timedelta(hours=1), department="service")  # a new one
    row = _total(api)
    assert (row["offered"], row["answered"], row["in_progress"]) == (1, 1, 1)
    assert (row["answered_within_2_rings"], row["answered_within_1_ring"], row["ring_ms_p90"]) == (1, 0, 6000)


class _Words:
    """A transcription engine that hears a polite agent and a resident asking for a repair."""

    def transcribe(self, path: Path) -> Transcript:
        words = "您好，和美物业，请问有什么可以帮您？好的，还有什么可以帮您，谢谢，再见。" \
            if "agent" in path.name else "我家水管坏了，麻烦来修一下。"
        return Transcript(words, [Segment(0.5, 4.0, words)], "fake", 5.0, 0.1)


def test_verdicts_stored_later_appear(db, seed, api, settings, tmp_path):
    for leg in ("agent", "caller"):
        (tmp_path / f"c-{leg}.wav").write_bytes(b"")
    call_id = seed(lambda s: s.call(T0, ring_ms=1000, agent="1001", department="engineering").id)
    with db.session() as s:
        s.execute(update(Call).where(Call.id == call_id).values(
            recording_agent=str(tmp_path / "c-agent.wav"), recording_caller=str(tmp_path / "c-caller.wav"),
            hangup_by="caller"))
    row = _total(api, "compliance")
    assert (row["answered"], row["audited"], row["not_audited"]) == (1, 0, 1)
    AnalysisWorker(settings, db, engine=_Words()).analyse(call_id)  # stores the verdicts
    report = get_report(api, "compliance", **DAY)
    row = report["rows"][0]
    assert (row["answered"], row["audited"], row["not_audited"]) == (1, 1, 0)
    assert row["verdicts_passed"] + row["verdicts_failed"] > 0
    assert row["rings_passed"] == 1 and row["hold_na"] == 1


def test_a_callback_settled_later_changes_open_and_overdue(db, seed, api, settings):
    now = datetime.now(timezone.utc)
    since = (now - timedelta(days=1)).isoformat()

    def missed(s):
        for number, category in (("13800000001", "complaint"), ("13800000002", "repair")):
            call_ended(s.s, s.call(now - timedelta(hours=2), "abandoned", category=category,
                                   department="service", caller_number=number), settings)
    seed(missed)
    row = get_report(api, "volume", since=since)["rows"][0]
    assert (row["callbacks"], row["callbacks_open"], row["callbacks_overdue"], row["callbacks_done"]) == (2, 2, 1, 0)
    # the complaint's resident gets through on a later call: its callback (the overdue one) is done
    seed(lambda s: call_ended(s.s, s.call(now - timedelta(minutes=5), agent="1001", ring_ms=1000,
                                          department="service", caller_number="13800000001"), settings))
    row = get_report(api, "volume", since=since)["rows"][0]
    assert (row["callbacks"], row["callbacks_open"], row["callbacks_overdue"], row["callbacks_done"]) == (2, 1, 0, 1)
    # staff call the other one back (the API's POST /api/callbacks/{id}/done)
    with db.session() as s:
        open_id = s.scalars(select(Callback.id).where(Callback.status == "open")).one()
    assert api.post(f"/api/callbacks/{open_id}/done", json={"note": "回电已处理"}).status_code == 200
    row = get_report(api, "volume", since=since)["rows"][0]
    assert (row["callbacks_open"], row["callbacks_overdue"], row["callbacks_done"]) == (0, 0, 2)


def test_a_row_changed_in_the_past_within_the_window_is_picked_up(db, seed, api, settings):
    """A transaction that committed late: its rows' updated_at is older than the frame's last look."""
    ids = seed(lambda s: [s.call(T0 + timedelta(minutes=i), ring_ms=1000, agent="1001").id for i in range(3)])
    assert _total(api)["abandoned"] == 0
    now = datetime.now(timezone.utc)
    window = timedelta(seconds=settings.report_frame_window_s)
    with db.session() as s:
        s.execute(update(Call).where(Call.id == ids[0]).values(
            disposition="abandoned", agent=None, updated_at=now - window / 2))
        # older than the window: the frame can't know (until its next whole reload)
        s.execute(update(Call).where(Call.id == ids[1]).values(
            disposition="abandoned", agent=None, updated_at=now - 2 * window))
    row = _total(api)
    assert (row["answered"], row["abandoned"]) == (2, 1)


def test_the_whole_reload_catches_what_updated_at_cannot(db, seed, settings):
    """Deleted calls and rows changed without updated_at: gone after report_frame_max_age_s."""
    ids = seed(lambda s: [s.call(T0 + timedelta(minutes=i), ring_ms=1000, agent="1001").id for i in range(3)])
    quick = settings.model_copy(update={"report_frame_max_age_s": 0.2})
    scope = Scope.make(settings.timezone)

    def offered() -> int:
        with db.session() as s:
            return answer_time_report(s, quick, scope)["rows"][0]["offered"]

    assert offered() == 3
    with db.session() as s:
        s.execute(text("DELETE FROM calls WHERE id = :id"), {"id": ids[0]})
    assert offered() == 3  # nothing tells the frame yet
    time.sleep(0.3)
    offered()  # past its max age: this refresh starts the reload in the background
    deadline = time.monotonic() + 20
    while offered() != 2:
        assert time.monotonic() < deadline, "the frame was not reloaded"
        time.sleep(0.05)
    with db.session() as s:
        frame = frame_for(s)
    while frame._reloading:  # noqa: SLF001 - let the last reload end before the database goes
        time.sleep(0.05)


def test_calls_out_of_started_at_order(db, seed, api):
    """A call opened late (its start before calls already in the frame), and one whose start
    moves to another day."""
    ids = seed(lambda s: [s.call(T0 + timedelta(hours=h), ring_ms=1000, agent="1001").id for h in range(4)])
    assert {r["hour"]: r["offered"] for r in get_report(api, "answer-time", group_by="hour", **DAY)["rows"]} == \
        {10: 1, 11: 1, 12: 1, 13: 1}
    seed(lambda s: s.call(T0 + timedelta(minutes=30), "abandoned", department="service"))
    with db.session() as s:
        s.execute(update(Call).where(Call.id == ids[3]).values(started_at=utc(2026, 11, 24, 1)))
    hours = {r["hour"]: (r["offered"], r["abandoned"]) for r in
             get_report(api, "answer-time", group_by="hour", **DAY)["rows"]}
    assert hours == {10: (2, 1), 11: (1, 0), 12: (1, 0)}
    days = rows_by(get_report(api, "volume", group_by="day"), "day")
    assert {d: r["calls"] for d, r in days.items()} == {"2026-11-23": 4, "2026-11-24": 1}


def _rows(snap) -> list[tuple]:
    """The frame's rows as values (codes differ between two frames, the values don't)."""
    out = []
    for i in range(snap.n):
        row = [int(snap.cols["id"][i]), int(snap.cols["started"][i])]
        row += [int(snap.cols[c][i]) for c in ("rings", "ring_ms", "queue_wait_ms", "callback_due")]
        row += [snap.values[c][snap.cols[c][i]] for c in
                ("disposition", "agent", "department", "category", "urgency", "building", "callback")]
        combo = snap.combos[snap.cols["verdicts"][i]]
        row.append(tuple(sorted((rule, int(v)) for rule, v in zip(snap.rules, combo, strict=True) if v)))
        out.append(tuple(row))
    return out


def test_patched_frame_equals_a_fresh_load(db, seed, settings):
    """After many kinds of change, the patched arrays hold what a load from scratch holds."""
    def first(s):
        out = []
        for i in range(40):
            c = s.call(T0 + timedelta(minutes=7 * i), "answered" if i % 3 else "abandoned",
                       ring_ms=800 * i if i % 3 else None, agent=f"10{i % 4:02d}" if i % 3 else None,
                       department=("service", "engineering", None)[i % 3], category=("repair", None)[i % 2],
                       unit=(f"{i % 5}-1-101", None, "7")[i % 3], caller_number=f"1380000{i % 6:04d}")
            if i % 3 and i % 4:
                s.verdicts(c, greeting="pass", closing=("fail", {"reason": "x"}), hold="n/a")
            out.append(c)
        return [c.id for c in out]

    ids = seed(first)
    scope = Scope.make(settings.timezone)
    with db.session() as s:
        compliance_report(s, settings, scope)

    def changes(s):
        from telephony.db.changes import touch_calls
        from telephony.db.models import AuditVerdict
        for i in range(8):  # new calls, some started before everything in the frame
            s.call(T0 - timedelta(hours=i) if i % 2 else T0 + timedelta(days=1, minutes=i), "voicemail",
                   department="security", unit="12-3-301", caller_number="13800009999")
        s.s.execute(update(Call).where(Call.id.in_(ids[:5])).values(agent="2001", unit="9-9-999"))
        s.s.execute(update(Call).where(Call.id.in_(ids[5:8])).values(started_at=T0 + timedelta(days=2)))
        s.s.add(AuditVerdict(call_id=ids[10], rule="escalation", verdict="fail", evidence={}))  # a new rule
        s.s.add(AuditVerdict(call_id=ids[4], rule="greeting", verdict="odd", evidence={}))  # a new word
        touch_calls(s.s, [ids[10], ids[4]])
        for i in (1, 2):
            call_ended(s.s, s.s.get(Call, ids[3 * i]), settings)  # missed calls: callbacks

    seed(changes)
    with db.session() as s:
        with frame_for(s).snapshot(s, settings) as snap:
            patched = _rows(snap)
        fresh = _rows(load(s).snapshot())
    assert patched == fresh
    assert len(patched) == 48 and [r[1] for r in patched] == sorted(r[1] for r in patched)


def test_other_rules_are_reported(db, seed, api):
    def calls(s):
        c = s.call(T0, ring_ms=1000, agent="1001")
        s.verdicts(c, greeting="pass", escalation="fail")
    seed(calls)
    report = get_report(api, "compliance", **DAY)
    assert report["rules"][-1] == "escalation"
    row = report["rows"][0]
    assert (row["escalation_failed"], row["greeting_passed"], row["audited"]) == (1, 1, 1)
    assert [f["rule"] for f in report["failures"]] == ["escalation"]
    seed(lambda s: s.verdicts(s.call(T0 + timedelta(hours=1), ring_ms=1000, agent="1002"), courtesy="n/a"))
    report = get_report(api, "compliance", **DAY)
    assert report["rules"][-2:] == ["escalation", "courtesy"]
    assert report["rows"][0]["courtesy_na"] == 1 and report["rows"][0]["audited"] == 2


def test_concurrent_reports_during_refreshes_are_consistent(db, seed, settings):
    """Writers add calls and change them, in transactions that keep an invariant (each batch:
    two answered, one abandoned; a flip turns one answered call abandoned and one abandoned
    call answered); reports in other threads see it hold at every moment."""
    seed(lambda s: [s.call(T0 + timedelta(seconds=i), "answered" if i % 3 else "abandoned", ring_ms=1000)
                    for i in range(30)])
    scope = Scope.make(settings.timezone)
    stop, errors, seen = threading.Event(), [], []

    def write():
        i = 0
        while not stop.is_set() and i < 60:
            with db.session() as s:
                for k in range(3):
                    s.add(Call(uniqueid=f"w.{i}.{k}", started_at=T0 - timedelta(seconds=i * 3 + k),
                               disposition="abandoned" if k == 0 else "answered", ring_ms=2000))
            with db.session() as s:
                a = s.scalars(select(Call).where(Call.disposition == "answered").limit(1)).one()
                b = s.scalars(select(Call).where(Call.disposition == "abandoned").limit(1)).one()
                a.disposition, b.disposition = "abandoned", "answered"
            i += 1

    def read():
        while not stop.is_set():
            try:
                with db.session() as s:
                    row = answer_time_report(s, settings, scope)["rows"][0]
                assert row["offered"] % 3 == 0 and row["answered"] * 3 == row["offered"] * 2, row
                assert row["answered_within_1_ring"] == row["answered"]
                seen.append(row["offered"])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    writer = threading.Thread(target=write)
    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in (writer, *readers):
        t.start()
    writer.join(timeout=120)
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert not errors, errors[0]
    assert len(set(seen)) > 1  # the readers did see the frame change
    with db.session() as s:
        assert answer_time_report(s, settings, scope)["rows"][0]["offered"] == 30 + 3 * 60


def test_database_down_is_503_never_a_stale_report(db, seed, api, settings):
    seed(lambda s: s.call(T0, ring_ms=1000, agent="1001"))
    assert _total(api)["offered"] == 1
    _take_down(settings, db.engine, api.app.state.db.engine)
    resp = api.get("/api/reports/answer-time", params=DAY)
    assert resp.status_code == 503 and resp.json() == {"detail": "database unavailable"}
    # the report itself (past the API's sign-in, which needs the database too) fails: its
    # frame, loaded and in memory, is not served without its refresh
    with pytest.raises(OperationalError):
        with api.app.state.db.session() as s:
            answer_time_report(s, settings, Scope.make(settings.timezone))


def _take_down(settings, *engines) -> None:
    """The database gone: PostgreSQL's dropped, SQLite's file moved away (a new empty file
    without tables takes its place)."""
    url = settings.db_url
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        os.replace(path, path + ".away")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.replace(path + suffix, path + ".away" + suffix)
    else:
        from pg_databases import drop_database
        drop_database(url.rsplit("/", 1)[1])
    for engine in engines:  # their pooled connections: new ones find the database gone
        engine.dispose()


def test_refresh_reads_through_indexes(tmp_path):
    """The refresh's queries find the changed calls by index and each one's callback and
    verdicts by its id: no scan of the log, however big. SQLite's plans only (its own
    database, not the two-database fixture): PostgreSQL plans by statistics, so its plans
    are the benchmark's business."""
    from telephony.db.session import Database, migrate
    from telephony.reports.frame import _queries

    url = f"sqlite:///{tmp_path / 'plans.db'}"
    migrate(url)
    db = Database(url)

    params = {"max_id": 10, "since": datetime.now(timezone.utc)}
    with db.session() as s:
        for q in _queries("sqlite", True):
            sql = str(q.params(**params).compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
            plan = " / ".join(row[3] for row in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "SCAN" not in plan, plan
    db.engine.dispose()
