"""Fixtures shared by the whole suite.

Every database test runs twice: on SQLite (the embedded default) and on a
fresh PostgreSQL database (the production target). PostgreSQL not reachable
is a failure, never a skip: CI must run both.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_databases import create_database, drop_database
from telephony.core.config import Settings, load_settings
from telephony.db.session import Database, migrate
from telephony.demo import load_demo

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOTLINE_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"shared/ not found at {SHARED} (set HOTLINE_SHARED_DIR)"
    return SHARED


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.db'}"
        return
    name, url = create_database()
    try:
        yield url
    finally:
        drop_database(name)


@pytest.fixture
def settings(tmp_path, db_url) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture
def db(settings) -> Database:
    migrate(settings.db_url)
    database = Database(settings.db_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def demo_db(db, settings) -> Database:
    """The database with the demo property: residents 陈明 (3-2-502) …, agents 1001 …"""
    load_demo(db, settings)
    return db


@pytest.fixture
def agi_server(settings, demo_db):
    """A real FastAGI server with the hotline's routes, for a fake Asterisk to call."""
    from agi.fake_asterisk import hotline_server

    with hotline_server(settings, demo_db) as srv:
        yield srv


# -- speech models: assembled once per test session -----------------------------------

@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """A models cache root, as DATA_DIR/models would be (the hotline's model_cache_dir)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def whisper_model_dir(models_dir) -> Path:
    from telephony.transcribe import ensure_whisper_model

    return ensure_whisper_model(models_dir / "whisper-base")


@pytest.fixture(scope="session")
def whisper_engine(whisper_model_dir):
    from telephony.transcribe import WhisperEngine

    return WhisperEngine(whisper_model_dir)
