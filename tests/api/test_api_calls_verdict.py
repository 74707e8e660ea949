"""GET /api/calls?verdict=…: the call log filtered by the audit's verdicts (both databases)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from telephony.api.main import create_app
from telephony.db.models import AuditVerdict
from telephony.logging.calllog import CallOutcome, finish_call, open_call

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

# uniqueid -> verdicts ({} and answered: not audited yet; None: not answered)
CALLS = {
    "good": {"greeting": "pass", "closing": "pass", "rings": "pass"},
    "rude": {"greeting": "fail", "closing": "pass", "rings": "pass"},
    "slow": {"greeting": "pass", "closing": "fail", "rings": "fail"},
    "fresh": {},
    "gone": None,
}


@pytest.fixture
def client(settings, db):
    with db.session() as s:
        for i, (uid, verdicts) in enumerate(CALLS.items()):
            started = T0 + timedelta(minutes=i)
            call = open_call(s, uniqueid=uid, started_at=started, category="repair")
            answered = verdicts is not None
            finish_call(call, CallOutcome(ended_at=started + timedelta(seconds=60),
                                          disposition="answered" if answered else "abandoned",
                                          agent="1001" if answered else None), settings.ring_cadence_ms)
            for rule, verdict in (verdicts or {}).items():
                s.add(AuditVerdict(call_id=call.id, rule=rule, verdict=verdict, evidence={}))
    create_user(db, "admin", "admin")  # these calls have no department: only an admin sees them all
    app = create_app(settings, background=False)
    with TestClient(app) as c:
        login(c, "admin")
        yield c
    app.state.db.engine.dispose()


def uids(client, **params) -> list[str]:
    resp = client.get("/api/calls", params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total"] == len(body["items"])
    return sorted(item["uniqueid"] for item in body["items"])


def test_one_rule_and_verdict(client):
    assert uids(client, verdict="greeting:fail") == ["rude"]
    assert uids(client, verdict="greeting:pass") == ["good", "slow"]
    assert uids(client, verdict="rings:fail") == ["slow"]
    assert uids(client, verdict="privacy:fail") == []


def test_any_rule_failed(client):
    assert uids(client, verdict="any:fail") == ["rude", "slow"]


def test_not_audited_yet_means_answered_without_verdicts(client):
    assert uids(client, verdict="none") == ["fresh"]


def test_several_verdicts_must_all_hold_and_combine_with_other_filters(client):
    assert uids(client, verdict=["closing:pass", "greeting:pass"]) == ["good"]
    assert uids(client, verdict="any:fail", category="repair") == ["rude", "slow"]
    assert uids(client, verdict="any:fail", category="complaint") == []


def test_paging_counts_the_filtered_calls(client):
    body = client.get("/api/calls", params={"verdict": "any:fail", "limit": 1}).json()
    assert body["total"] == 2 and [c["uniqueid"] for c in body["items"]] == ["slow"]  # newest first


@pytest.mark.parametrize("bad", ["greeting", "greeting:maybe", "politeness:fail", ":fail", "any"])
def test_a_malformed_verdict_is_422(client, bad):
    resp = client.get("/api/calls", params={"verdict": bad})
    assert resp.status_code == 422, resp.text
    assert "verdict" in resp.json()["detail"]
