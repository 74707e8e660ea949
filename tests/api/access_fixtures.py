"""A small call log with recordings and one user per role, for the access tests.

calls (id order): eng (engineering, agent 1001, 陈明 13800000001 3-2-502, three WAV legs),
svc (service, agent 1002, 赵丽 13800000002 5-1-101, agent leg only), sec (security, abandoned).
users: admin, sup (supervisor of engineering), a1001, a1002 (agents).
"""
from __future__ import annotations

import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, headers_for
from telephony.api.main import create_app
from telephony.db.models import AuditVerdict, Transcript
from telephony.logging.calllog import CallOutcome, finish_call, open_call

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
USERS = {
    "admin": {"role": "admin"},
    "sup": {"role": "supervisor", "departments": ["engineering"]},
    "a1001": {"role": "agent", "agent": "1001"},
    "a1002": {"role": "agent", "agent": "1002"},
}
# uniqueid: (department, agent, caller number, name, unit, legs with a file)
CALLS = {
    "eng": ("engineering", "1001", "13800000001", "陈明", "3-2-502", ("caller", "agent", "mixed")),
    "svc": ("service", "1002", "13800000002", "赵丽", "5-1-101", ("agent",)),
    "sec": ("security", None, "13800000003", "孙强", None, ()),
}


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(range(256)) * int(seconds * rate * 2 / 256))
    return path


def seed(db, settings) -> dict[str, int]:
    """The calls and users; returns {uniqueid: call id}."""
    ids = {}
    with db.session() as s:
        for i, (uid, (dept, agent, number, name, unit, legs)) in enumerate(CALLS.items()):
            started = T0 + timedelta(minutes=i)
            call = open_call(s, uniqueid=uid, started_at=started, caller_number=number, caller_name=name,
                             unit=unit, category="repair", department=dept)
            files = {leg: str(write_wav(settings.recordings_dir / f"{uid}-{leg}.wav")) for leg in legs}
            finish_call(call, CallOutcome(
                ended_at=started + timedelta(seconds=60), disposition="answered" if agent else "abandoned",
                hangup_by="caller", department=dept, agent=agent,
                answered_at=started + timedelta(seconds=5) if agent else None,
                ring_ms=4000 if agent else None, recordings=files), settings.ring_cadence_ms)
            s.flush()
            ids[uid] = call.id
            if agent:
                s.add(Transcript(call_id=call.id, leg="caller", engine="whisper", text=f"我是{unit}的{name}",
                                 segments=[], audio_s=1.0, cpu_s=0.1))
                s.add(AuditVerdict(call_id=call.id, rule="greeting", verdict="pass" if uid == "eng" else "fail",
                                   evidence={"reason": uid}))
    for username, spec in USERS.items():
        create_user(db, username, spec["role"], departments=spec.get("departments", ()),
                    agent=spec.get("agent"))
    return ids


@pytest.fixture
def world(settings, db):
    """(client, {username: headers}, {uniqueid: call id}) over the seeded calls."""
    ids = seed(db, settings)
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        yield client, {u: headers_for(db, u) for u in USERS}, ids
    app.state.db.engine.dispose()


def get(world, user, path, **params):
    client, headers, _ = world
    return client.get(path, params=params, headers=headers[user])
