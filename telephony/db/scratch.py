"""Throwaway PostgreSQL databases, created and dropped whole: one per test, one per benchmark run."""
from __future__ import annotations

import uuid

import psycopg


def create_scratch_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """A new empty database next to admin_url's: (its name, its SQLAlchemy URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def drop_scratch_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
