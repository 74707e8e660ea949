"""The analysis worker: transcribe an answered call's legs, audit it, store both.

Runs as threads in the API process (`analysis_workers`), or on any machine as
`hotline worker` against the same PostgreSQL. Bad audio ends as a per-call
error state; nothing a call contains can crash the worker or lose a job.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError

from telephony.analysis import jobs
from telephony.audit import AuditRules, CallFacts, Hold, Utterance, audit_call
from telephony.core.config import Settings
from telephony.db.changes import touch_calls
from telephony.db.models import AuditVerdict, Call, Transcript
from telephony.db.session import Database
from telephony.transcribe import make_engine
from telephony.transcribe.errors import AudioError, TranscribeError

log = logging.getLogger(__name__)
LEGS = ("agent", "caller")


class AnalysisWorker:
    def __init__(self, settings: Settings, db: Database, engine=None, poll_s: float = 1.0):
        self.settings, self.db, self.poll_s = settings, db, poll_s
        self._engine = engine
        self._engine_lock = threading.Lock()
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    @property
    def engine(self):
        """One engine (one loaded model) per worker, made on first use."""
        with self._engine_lock:
            if self._engine is None:
                self._engine = engine_for(self.settings)
            return self._engine

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                worked = self.work_once()
            except SQLAlchemyError as e:  # database down: the jobs wait in it
                log.warning("analysis paused: %s", e)
                worked = False
            if not worked:
                stop.wait(self.poll_s)

    def run_until_empty(self) -> int:
        done = 0
        while self.work_once():
            done += 1
        return done

    def work_once(self) -> bool:
        claim = jobs.claim(self.db, self.name, self.settings.job_lease_s, self.settings.job_max_attempts)
        if claim is None:
            return False
        try:
            self.analyse(claim.call_id)
        except TranscribeError as e:  # bad audio or model: this call's error, not the worker's
            log.warning("call %s: %s", claim.call_id, e)
            jobs.finish(self.db, claim, error=str(e))
        except SQLAlchemyError:
            raise  # the lease brings the job back once the database does
        except Exception as e:  # noqa: BLE001 - keep working; the job is retried, then kept as an error
            log.exception("call %s: analysis failed", claim.call_id)
            jobs.finish(self.db, claim, error=f"{type(e).__name__}: {e}",
                        retry_until=self.settings.job_max_attempts)
        else:
            jobs.finish(self.db, claim)
        return True

    def analyse(self, call_id: int) -> None:
        with self.db.session() as s:
            call = s.get(Call, call_id)
            paths = {"agent": call.recording_agent, "caller": call.recording_caller}
            facts = _facts(call)
        transcripts = {}
        for leg in LEGS:
            if not paths[leg]:
                raise AudioError(f"call-{call_id}-{leg}", "missing", f"no {leg} recording for this call")
            transcripts[leg] = self.engine.transcribe(Path(paths[leg]))
        utterances = _utterances(transcripts)
        verdicts = audit_call(utterances, facts, AuditRules.from_settings(self.settings))

        with self.db.session() as s:
            s.execute(delete(Transcript).where(Transcript.call_id == call_id))
            s.execute(delete(AuditVerdict).where(AuditVerdict.call_id == call_id))
            for leg, t in transcripts.items():
                s.add(Transcript(call_id=call_id, leg=leg, engine=t.engine, text=t.text,
                                 segments=[{"start": g.start, "end": g.end, "text": g.text} for g in t.segments],
                                 audio_s=t.audio_s, cpu_s=t.cpu_s))
            for v in verdicts:
                s.add(AuditVerdict(call_id=call_id, rule=v.rule, verdict=v.verdict, evidence=v.evidence))
            touch_calls(s, [call_id])  # the reports' compliance reads the new verdicts


def engine_for(settings: Settings, name: str | None = None):
    """The transcription engine the settings ask for (default: vosk if a model is set, else Whisper)."""
    return make_engine(name or settings.transcribe_engine, vosk_model_dir=settings.vosk_model_dir,
                       cache_dir=settings.models_dir, max_audio_s=settings.max_audio_s)


def _facts(call: Call) -> CallFacts:
    return CallFacts(answered=call.disposition == "answered", rings=call.rings, hangup_by=call.hangup_by,
                     holds=[Hold(a, b) for a, b in (call.holds or [])], transfers=list(call.transfers or []))


def _utterances(transcripts: dict) -> list[Utterance]:
    out = [Utterance(leg, seg.start, seg.end, seg.text) for leg, t in transcripts.items() for seg in t.segments]
    return sorted(out, key=lambda u: u.start)
