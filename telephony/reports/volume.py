"""The volume report: how many calls, of which categories, how many emergencies, per group.

Two grouped scans: per (group, category), the calls and the urgent ones; and
the callbacks the range's missed calls opened (telephony.logging.callbacks):
how many, how many are still open, and how many of those are past their due
time now.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from telephony.core.config import Settings
from telephony.db.models import Call, Callback
from telephony.logging.callbacks import DONE, OPEN
from telephony.reports.common import (
    Scope,
    dialect,
    group_key_or_total,
    iso,
    key_value,
    row_order,
    tuned,
    where,
)
from telephony.reports.names import group_names, key_columns, key_fields

CALLBACK_COLUMNS = ["callbacks", "callbacks_open", "callbacks_overdue", "callbacks_done"]


def category_columns(settings: Settings) -> list[str]:
    return [f"category_{c}" for c in settings.categories] + ["category_other", "category_unknown"]


def volume_report(session: Session, settings: Settings, scope: Scope) -> dict[str, Any]:
    with tuned(session):
        return _volume_report(session, settings, scope)


def _volume_report(session: Session, settings: Settings, scope: Scope) -> dict[str, Any]:
    key, by = group_key_or_total(session, scope)
    q = (select(key, Call.category.label("cat"), func.count(),
                func.sum(case((Call.urgency == "urgent", 1), else_=0)))
         .where(*where(scope, dialect(session)))
         .group_by(*by, text("cat")))
    cat_cols = category_columns(settings)
    groups: dict[Any, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(["calls", "emergencies", *cat_cols, *CALLBACK_COLUMNS], 0))
    for g, cat, n, urgent in session.execute(q):
        acc = groups[key_value(scope.group_by, g)]
        acc["calls"] += n
        acc["emergencies"] += urgent or 0
        column = ("category_unknown" if cat is None
                  else f"category_{cat}" if cat in settings.categories else "category_other")
        acc[column] += n

    now = datetime.now(timezone.utc)
    is_open = Callback.status == OPEN
    cb = (select(key, func.count(), func.sum(case((is_open, 1), else_=0)),
                 func.sum(case((is_open & (Callback.due_at < now), 1), else_=0)),
                 func.sum(case((Callback.status == DONE, 1), else_=0)))
          .select_from(Call).join(Callback, Callback.call_id == Call.id)
          .where(*where(scope, dialect(session)))
          .group_by(*by))
    for g, n, n_open, n_overdue, n_done in session.execute(cb):
        acc = groups[key_value(scope.group_by, g)]
        acc.update(callbacks=n, callbacks_open=n_open or 0, callbacks_overdue=n_overdue or 0,
                   callbacks_done=n_done or 0)

    if scope.group_by is None:
        groups[None]  # noqa: B018 - one total row, even of nothing
    names = group_names(session, settings, scope.group_by, list(groups))
    rows = []
    for g, acc in groups.items():
        row = key_fields(scope.group_by, g, names)
        row.update(acc)
        rows.append(row)
    rows.sort(key=row_order(scope.group_by))
    return {
        "report": "volume", **scope.describe(),
        "definitions": {
            "calls": "calls that started in the range (any disposition, ended or not)",
            "emergencies": "calls with urgency urgent",
            "category_<name>": "calls of that menu category",
            "category_other": "calls of a category the settings don't know",
            "category_unknown": "calls without a category (e.g. hung up in the menu)",
            "callbacks": "callbacks opened by the range's missed calls (abandoned, or a message left, "
                         "with a caller number)",
            "callbacks_open": "of those, not done yet",
            "callbacks_overdue": "open ones past their due time (the category's reply limit) now",
            "callbacks_done": "done: the resident got through later, or staff called back",
        },
        "as_of": iso(now, scope.tz),
        "columns": [*key_columns(scope.group_by), "calls", "emergencies", *cat_cols, *CALLBACK_COLUMNS],
        "rows": rows,
    }
