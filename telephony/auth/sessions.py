"""API sessions: opaque random bearer tokens; the database keeps only their SHA-256, so a
copy of the database signs nobody in. A session ends when it expires or is revoked
(logout, password reset, deactivation)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telephony.db.models import ApiSession, User

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 256 random bits, 43 characters


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(s: Session, user: User, ttl_h: float) -> str:
    """A new token for the user (returned once, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = datetime.now(timezone.utc)
    s.add(ApiSession(token_sha256=token_digest(token), user_id=user.id, created_at=now,
                     expires_at=now + timedelta(hours=ttl_h)))
    s.flush()
    return token


def user_for_token(s: Session, token: str) -> User | None:
    """The active user a live (unexpired, unrevoked) token belongs to."""
    return s.scalars(
        select(User).join(ApiSession, ApiSession.user_id == User.id)
        .where(ApiSession.token_sha256 == token_digest(token), ApiSession.revoked_at.is_(None),
               ApiSession.expires_at > datetime.now(timezone.utc), User.active.is_(True))
    ).first()


def revoke(s: Session, token: str) -> None:
    s.execute(update(ApiSession).where(ApiSession.token_sha256 == token_digest(token),
                                       ApiSession.revoked_at.is_(None))
              .values(revoked_at=datetime.now(timezone.utc)))


def revoke_all(s: Session, user_id: int) -> None:
    """Every open session of the user (password reset, deactivation, role change)."""
    s.execute(update(ApiSession).where(ApiSession.user_id == user_id, ApiSession.revoked_at.is_(None))
              .values(revoked_at=datetime.now(timezone.utc)))
