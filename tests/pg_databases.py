"""Throwaway PostgreSQL databases for tests: one per test, dropped after."""
from __future__ import annotations

import os

from telephony.db.scratch import create_scratch_database, drop_scratch_database

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


def create_database() -> tuple[str, str]:
    return create_scratch_database(PG_ADMIN_URL, "hotline_test")


def drop_database(name: str) -> None:
    drop_scratch_database(PG_ADMIN_URL, name)
