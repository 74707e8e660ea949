"""The analysis worker with the real Whisper engine, on SQLite and PostgreSQL."""
from __future__ import annotations

import shutil
import struct
import wave
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from telephony.analysis import jobs
from telephony.analysis.worker import AnalysisWorker
from telephony.db.models import AnalysisJob, AuditVerdict, Transcript
from telephony.logging.calllog import CallOutcome, finish_call, open_call

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def audio(shared_dir):
    return shared_dir / "audio" / "hotline-dev" / "pcm8k"


def answered_call(db, uid: str, agent_wav, caller_wav, hangup_by="caller", rings=1) -> int:
    with db.session() as s:
        call = open_call(s, uniqueid=uid, started_at=T0, caller_number="13800000001")
        finish_call(call, CallOutcome(ended_at=T0, disposition="answered", hangup_by=hangup_by, agent="1001",
                                      ring_ms=(rings - 1) * 5000, recordings={
                                          "agent": str(agent_wav) if agent_wav else None,
                                          "caller": str(caller_wav) if caller_wav else None}), 5000)
        jobs.enqueue(s, call.id)
        return call.id


def job_of(db, call_id) -> AnalysisJob:
    with db.session() as s:
        return s.scalars(select(AnalysisJob).where(AnalysisJob.call_id == call_id)).one()


def verdicts_of(db, call_id) -> dict:
    with db.session() as s:
        return {v.rule: v.verdict for v in s.scalars(select(AuditVerdict).where(AuditVerdict.call_id == call_id))}


def test_a_call_is_transcribed_and_audited(settings, db, whisper_engine, audio):
    call_id = answered_call(db, "1.1", audio / "greet_ok_01.wav", audio / "req_repair_02.wav",
                            hangup_by="agent", rings=4)
    assert AnalysisWorker(settings, db, engine=whisper_engine).run_until_empty() == 1

    assert job_of(db, call_id).status == jobs.DONE
    with db.session() as s:
        legs = {t.leg: t for t in s.scalars(select(Transcript).where(Transcript.call_id == call_id))}
    assert "物业" in legs["agent"].text and "报修" in legs["caller"].text
    assert legs["agent"].engine == "whisper" and legs["agent"].segments[0]["start"] < 1.0
    assert verdicts_of(db, call_id) == {
        "greeting": "pass", "closing": "fail", "hangup_order": "fail", "rings": "fail",
        "hold": "n/a", "privacy": "pass", "transfer": "n/a"}


def bad_files(tmp_path, audio) -> dict:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "text.wav"
    text.write_text("this is not audio\n" * 50)
    truncated = tmp_path / "truncated.wav"
    data = (audio / "greet_ok_01.wav").read_bytes()
    truncated.write_bytes(data[:60])  # the header and almost nothing else
    hours = tmp_path / "hours.wav"
    with wave.open(str(hours), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(b"\0" * 1600)
    raw = bytearray(hours.read_bytes())  # the header now claims four hours
    raw[40:44] = struct.pack("<I", 4 * 3600 * 8000 * 2)
    hours.write_bytes(bytes(raw))
    return {"empty": empty, "not audio": text, "truncated": truncated, "hours long": hours,
            "missing": tmp_path / "gone.wav"}


def test_bad_audio_is_a_per_call_error_and_the_worker_goes_on(settings, db, whisper_engine, audio, tmp_path):
    bad = {name: answered_call(db, f"2.{i}", path, audio / "req_repair_02.wav")
           for i, (name, path) in enumerate(bad_files(tmp_path, audio).items())}
    no_recording = answered_call(db, "3.1", None, audio / "req_repair_02.wav")
    good = answered_call(db, "4.1", audio / "greet_ok_02.wav", audio / "req_inquiry_01.wav")

    assert AnalysisWorker(settings, db, engine=whisper_engine).run_until_empty() == 7
    for name, call_id in {**bad, "no recording": no_recording}.items():
        job = job_of(db, call_id)
        assert job.status == jobs.ERROR, (name, job.error)
        assert job.error and "Traceback" not in job.error, name
        assert verdicts_of(db, call_id) == {}, name
    assert job_of(db, good).status == jobs.DONE
    assert verdicts_of(db, good)["greeting"] == "pass"


def test_a_crash_in_the_middle_is_retried_then_kept(settings, db, audio):
    class ExplodingEngine:
        name = "exploding"

        def transcribe(self, path):
            raise RuntimeError("out of memory")

    call_id = answered_call(db, "5.1", audio / "greet_ok_01.wav", audio / "req_repair_02.wav")
    worker = AnalysisWorker(settings, db, engine=ExplodingEngine())
    assert worker.run_until_empty() == settings.job_max_attempts
    job = job_of(db, call_id)
    assert (job.status, job.attempts) == (jobs.ERROR, settings.job_max_attempts)
    assert job.error == "RuntimeError: out of memory"


def test_the_recording_can_be_moved_and_the_job_rerun(settings, db, whisper_engine, audio, tmp_path):
    moved = tmp_path / "agent.wav"
    call_id = answered_call(db, "6.1", moved, audio / "req_repair_02.wav")
    worker = AnalysisWorker(settings, db, engine=whisper_engine)
    worker.run_until_empty()
    assert job_of(db, call_id).status == jobs.ERROR
    shutil.copy(audio / "greet_ok_03.wav", moved)  # restored from backup
    with db.session() as s:
        jobs.enqueue(s, call_id)
    worker.run_until_empty()
    assert job_of(db, call_id).status == jobs.DONE
