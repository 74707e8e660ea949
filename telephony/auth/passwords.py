"""Password hashing: argon2id through pwdlib (what FastAPI's full-stack template uses)."""
from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()  # argon2id, a fresh salt per hash


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher().verify(password, password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("no such user")


def burn_verify_time(password: str) -> None:
    """As long as a real check, so that an unknown username can't be told by timing."""
    verify_password(password, _dummy_hash())
