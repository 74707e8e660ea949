"""The volume report: how many calls, of which categories, how many emergencies, per group.

Counted in the reports' frame (telephony.reports.frame): per (group, category), the
calls and the urgent ones; and the callbacks the range's missed calls opened
(telephony.logging.callbacks), from each call's callback status and due time: how
many, how many are still open, and how many of those are past their due time now.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from telephony.core.config import Settings
from telephony.logging.callbacks import DONE, OPEN
from telephony.reports.common import Scope, iso, row_order
from telephony.reports.frame import frame_for
from telephony.reports.names import group_names, key_columns, key_fields
from telephony.reports.scoped import equals, groups_of, in_scope, to_us

CALLBACK_COLUMNS = ["callbacks", "callbacks_open", "callbacks_overdue", "callbacks_done"]


def category_columns(settings: Settings) -> list[str]:
    return [f"category_{c}" for c in settings.categories] + ["category_other", "category_unknown"]


def volume_report(session: Session, settings: Settings, scope: Scope) -> dict[str, Any]:
    cat_cols = category_columns(settings)
    now = datetime.now(timezone.utc)
    with frame_for(session).snapshot(session, settings) as snap:
        rows = in_scope(snap, scope)
        groups = groups_of(rows, scope)
        # one class a call: its category's column (the settings' categories, then other, then
        # unknown: None) twice over, urgent or not
        column_of = np.array([len(cat_cols) - 1 if c is None
                              else cat_cols.index(f"category_{c}") if c in settings.categories
                              else len(cat_cols) - 2 for c in snap.values["category"]], np.int32)
        urgent = equals(snap, "urgency", rows.col("urgency"), "urgent")
        by_class = groups.count_by(column_of[rows.col("category")] * 2 + urgent, 2 * len(cat_cols))
        by_category = by_class[:, 0::2] + by_class[:, 1::2]
        # and its callback: none, open, open and overdue, done, some other status
        state = np.full(len(snap.values["callback"]), 4, np.int32)
        state[0] = 0
        for status, k in ((OPEN, 1), (DONE, 3)):
            if (code := snap.code("callback", status)) is not None:
                state[code] = k
        states = state[rows.col("callback")]
        states[(states == 1) & (rows.col("callback_due") < to_us(now))] = 2
        by_state = groups.count_by(states, 5)
        calls, urgent = by_category.sum(axis=1), by_class[:, 1::2].sum(axis=1)
        callbacks = {"callbacks": by_state[:, 1:].sum(axis=1), "callbacks_open": by_state[:, 1] + by_state[:, 2],
                     "callbacks_overdue": by_state[:, 2], "callbacks_done": by_state[:, 3]}
        names = group_names(session, settings, scope.group_by, groups.keys)

    calls, urgent, by_category = calls.tolist(), urgent.tolist(), by_category.tolist()
    callbacks = {col: n.tolist() for col, n in callbacks.items()}
    out = []
    for g, key in enumerate(groups.keys):
        if scope.group_by is not None and not calls[g]:
            continue
        row = key_fields(scope.group_by, key, names)
        row.update(calls=calls[g], emergencies=urgent[g])
        row.update(zip(cat_cols, by_category[g], strict=True))
        row.update({col: n[g] for col, n in callbacks.items()})
        out.append(row)
    out.sort(key=row_order(scope.group_by))
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
        "rows": out,
    }
