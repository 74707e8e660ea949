"""Marking calls changed (calls.updated_at) when what the reports read changes elsewhere.

The ORM sets updated_at itself when a call's own columns change. The reports also read
each call's verdicts and its callback's status, which live in other tables: their
writers call touch_calls in the same transaction, so that the reports' frame
(telephony.reports.frame) reads those calls again.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from telephony.db.models import Call, db_now


def touch_calls(s: Session, where: ColumnElement | Iterable[int]) -> None:
    """updated_at = now for the calls with these ids, or matching this condition."""
    if not isinstance(where, ColumnElement):
        ids = list(where)
        if not ids:
            return
        where = Call.id.in_(ids)
    s.execute(update(Call).where(where).values(updated_at=db_now())
              .execution_options(synchronize_session=False))
