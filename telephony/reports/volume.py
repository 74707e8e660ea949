"""The volume report: how many calls, of which categories, how many emergencies, per group.

One grouped scan: per (group, category), the calls and the urgent ones.
Callbacks (open, overdue) have no table yet, so they are reported as not
available (null) with a note, not guessed.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from telephony.core.config import Settings
from telephony.db.models import Call
from telephony.reports.common import (
    Scope,
    dialect,
    group_key_or_total,
    key_value,
    row_order,
    tuned,
    where,
)
from telephony.reports.names import group_names, key_columns, key_fields

CALLBACKS_NOTE = ("callbacks are not recorded yet (there is no callbacks table), so open and overdue "
                  "callbacks are not available: callbacks_open and callbacks_overdue are null")


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
    groups: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(["calls", "emergencies", *cat_cols], 0))
    for g, cat, n, urgent in session.execute(q):
        acc = groups[key_value(scope.group_by, g)]
        acc["calls"] += n
        acc["emergencies"] += urgent or 0
        column = ("category_unknown" if cat is None
                  else f"category_{cat}" if cat in settings.categories else "category_other")
        acc[column] += n

    if scope.group_by is None:
        groups[None]  # noqa: B018 - one total row, even of nothing
    names = group_names(session, settings, scope.group_by, list(groups))
    rows = []
    for g, acc in groups.items():
        row = key_fields(scope.group_by, g, names)
        row.update(acc)
        row["callbacks_open"] = None
        row["callbacks_overdue"] = None
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
        },
        "callbacks": None, "notes": [CALLBACKS_NOTE],
        "columns": [*key_columns(scope.group_by), "calls", "emergencies", *cat_cols,
                    "callbacks_open", "callbacks_overdue"],
        "rows": rows,
    }
