"""Recordings by token: each call leg's WAV gets a random, unguessable id the first time the
API shows the call, so the page links /api/recordings/<token> rather than a file path or a
call id anyone could count through. Every playback and download is written to
recording_access."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telephony.db.models import Call, Recording, RecordingAccess, User

LEGS = ("caller", "agent", "mixed")
ACTIONS = ("play", "download")
URL_PREFIX = "/api/recordings/"
TOKEN_BYTES = 32
CLIENT_MAX = 64


def _path(call: Call, leg: str) -> str | None:
    return getattr(call, f"recording_{leg}")


def recording_urls(s: Session, calls: Sequence[Call]) -> dict[int, dict[str, str | None]]:
    """{call id: {leg: URL or None}}, tokens created on first need (one query for the known)."""
    wanted = {(c.id, leg): path for c in calls for leg in LEGS if (path := _path(c, leg))}
    known: dict[tuple[int, str], Recording] = {}
    if wanted:
        ids = sorted({cid for cid, _ in wanted})
        known = {(r.call_id, r.leg): r for r in s.scalars(select(Recording).where(Recording.call_id.in_(ids)))}
    for key, path in wanted.items():
        rec = known.get(key)
        if rec is None:
            known[key] = _create(s, *key, path)
        elif rec.path != path:  # the row was completed or rebuilt since: same token, new file
            rec.path = path
    return {c.id: {leg: URL_PREFIX + known[(c.id, leg)].token if (c.id, leg) in wanted else None
                   for leg in LEGS} for c in calls}


def _create(s: Session, call_id: int, leg: str, path: str) -> Recording:
    """Insert the leg's token; if a concurrent request just did, use theirs."""
    rec = Recording(call_id=call_id, leg=leg, token=secrets.token_urlsafe(TOKEN_BYTES), path=path)
    try:
        with s.begin_nested():
            s.add(rec)
    except IntegrityError:
        return s.scalars(select(Recording).where(Recording.call_id == call_id, Recording.leg == leg)).one()
    return rec


def find_recording(s: Session, token: str) -> Recording | None:
    return s.scalars(select(Recording).where(Recording.token == token)).first()


def log_access(s: Session, user: User, rec: Recording, action: str, client: str | None) -> RecordingAccess:
    if action not in ACTIONS:
        raise ValueError(f"action {action!r}")
    row = RecordingAccess(at=datetime.now(timezone.utc), user_id=user.id, username=user.username,
                          call_id=rec.call_id, leg=rec.leg, action=action,
                          client=client[:CLIENT_MAX] if client else None)
    s.add(row)
    s.flush()
    return row
