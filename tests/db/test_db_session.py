"""Engines: the pool a many-threaded process (the FastAGI server) asks for is the one it gets."""
from __future__ import annotations

import threading

from telephony.core.config import Settings
from telephony.db.session import Database, migrate


def test_a_pool_holds_as_many_sessions_at_once_as_it_was_given(db_url, tmp_path):
    """Each of the FastAGI server's calls takes a connection three times; with SQLAlchemy's
    default pool (5 + 10) the 16th concurrent session waited. Here all of them get one at once."""
    settings = Settings(data_dir=tmp_path, database_url=db_url)
    migrate(settings.db_url)
    wanted = 20
    db = Database(settings.db_url, pool_size=wanted // 2, max_overflow=wanted - wanted // 2)
    db.engine.pool._timeout = 2  # a session that would wait for a connection fails the test fast
    inside, release, errors = threading.Barrier(wanted + 1, timeout=10), threading.Event(), []

    def hold():
        try:
            with db.session() as s:
                s.connection()
                inside.wait()
                release.wait(10)
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)
            inside.abort()

    threads = [threading.Thread(target=hold) for _ in range(wanted)]
    for t in threads:
        t.start()
    try:
        inside.wait()
    finally:
        release.set()
        for t in threads:
            t.join(10)
        db.engine.dispose()
    assert errors == []
    assert db.engine.pool.size() == wanted // 2

