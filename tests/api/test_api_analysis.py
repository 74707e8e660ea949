"""GET /api/calls/{id}/transcript and /audit on both databases."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from telephony.analysis import jobs
from telephony.api.main import create_app
from telephony.db.models import AuditVerdict, Transcript
from telephony.logging.calllog import open_call

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
GREETING = {"text": "您好，何美物业服务中心", "start": 0.6, "end": 3.1,
            "matched": {"greeting": "您好", "company": "何美 (hé měi ≈ 和美)"}}


@pytest.fixture
def api(settings, db):
    with db.session() as s:
        audited = open_call(s, uniqueid="a.1", started_at=T0)
        queued = open_call(s, uniqueid="q.1", started_at=T0)
        failed = open_call(s, uniqueid="f.1", started_at=T0)
        open_call(s, uniqueid="n.1", started_at=T0)
        s.add(Transcript(call_id=audited.id, leg="agent", engine="whisper", text="您好，何美物业服务中心",
                         segments=[{"start": 0.6, "end": 3.1, "text": "您好，何美物业服务中心"}],
                         audio_s=12.0, cpu_s=2.5))
        s.add(AuditVerdict(call_id=audited.id, rule="greeting", verdict="pass", evidence=GREETING))
        s.add(AuditVerdict(call_id=audited.id, rule="hangup_order", verdict="fail",
                           evidence={"reason": "the agent hung up first"}))
        for call in (audited, queued, failed):
            jobs.enqueue(s, call.id)
    claim = jobs.claim(db, "w", 60, 3)
    jobs.finish(db, claim)  # the audited call's job
    jobs.claim(db, "w", 60, 3)  # the queued call: running
    failed_claim = jobs.claim(db, "w", 60, 3)
    jobs.finish(db, failed_claim, error="agent.wav: file is empty")
    create_user(db, "admin", "admin")  # these calls have no department: only an admin sees them
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        login(client, "admin")
        yield client
    app.state.db.engine.dispose()


def test_audit_of_an_audited_call(api):
    body = api.get("/api/calls/1/audit").json()
    assert (body["status"], body["error"], body["audited"]) == ("done", None, True)
    assert body["verdicts"]["greeting"] == {"verdict": "pass", "evidence": GREETING}
    assert body["verdicts"]["hangup_order"]["verdict"] == "fail"


def test_transcript_of_an_audited_call(api):
    body = api.get("/api/calls/1/transcript").json()
    agent = body["legs"]["agent"]
    assert agent["text"] == "您好，何美物业服务中心" and agent["engine"] == "whisper"
    assert agent["segments"] == [{"start": 0.6, "end": 3.1, "text": "您好，何美物业服务中心"}]
    assert "caller" not in body["legs"]


@pytest.mark.parametrize("call_id,status,error", [
    (2, "running", None),
    (3, "error", "agent.wav: file is empty"),
    (4, "not queued", None),
])
def test_calls_not_audited_say_why(api, call_id, status, error):
    for path in ("audit", "transcript"):
        body = api.get(f"/api/calls/{call_id}/{path}").json()
        assert (body["status"], body["error"]) == (status, error)
    assert api.get(f"/api/calls/{call_id}/audit").json()["audited"] is False


def test_unknown_call_is_404(api):
    assert api.get("/api/calls/99/audit").status_code == 404
    assert api.get("/api/calls/99/transcript").status_code == 404
