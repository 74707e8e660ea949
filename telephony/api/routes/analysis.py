"""GET /api/calls/{id}/transcript and /audit: what the analysis workers found."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from telephony.api.deps import SessionDep, VisibleCallDep
from telephony.db.models import AnalysisJob, AuditVerdict, Transcript

router = APIRouter(prefix="/api/calls", tags=["analysis"])


def _status(session: Session, call_id: int) -> dict:
    """Where the call's analysis stands: not queued, pending, running, done or error (with why)."""
    job = session.scalars(select(AnalysisJob).where(AnalysisJob.call_id == call_id)).first()
    if job is None:
        return {"status": "not queued", "error": None}
    return {"status": job.status, "error": job.error}


@router.get("/{call_id}/transcript")
def get_transcript(call: VisibleCallDep, session: SessionDep) -> dict:
    call_id = call.id
    state = _status(session, call_id)
    legs = {t.leg: {"engine": t.engine, "text": t.text, "segments": t.segments,
                    "audio_s": t.audio_s, "cpu_s": t.cpu_s}
            for t in session.scalars(select(Transcript).where(Transcript.call_id == call_id))}
    return {"call_id": call_id, **state, "legs": legs}


@router.get("/{call_id}/audit")
def get_audit(call: VisibleCallDep, session: SessionDep) -> dict:
    call_id = call.id
    state = _status(session, call_id)
    verdicts = {v.rule: {"verdict": v.verdict, "evidence": v.evidence}
                for v in session.scalars(select(AuditVerdict).where(AuditVerdict.call_id == call_id))}
    return {"call_id": call_id, **state, "audited": bool(verdicts), "verdicts": verdicts}
