"""INSERT … ON CONFLICT, on both databases: one statement where a SELECT then an INSERT took two."""
from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert(s: Session, table: Table):
    """The session's database's own INSERT, which has on_conflict_do_nothing/do_update."""
    dialect = s.get_bind().dialect.name
    try:
        return _INSERTS[dialect](table)
    except KeyError:
        raise NotImplementedError(f"no INSERT … ON CONFLICT for {dialect}") from None
