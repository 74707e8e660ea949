"""The answer-time report: how fast calls are answered, per group.

Counted in the reports' frame (telephony.reports.frame): the calls of the scope
per (group, disposition), the answered ones per number of rings, the sums of their
ring times and queue waits, and their exact 90th percentiles
(telephony.reports.percentiles: PostgreSQL's percentile_cont).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from telephony.core.config import Settings
from telephony.reports.common import Scope, ratio, row_order
from telephony.reports.frame import NULL, frame_for
from telephony.reports.names import group_names, key_columns, key_fields
from telephony.reports.percentiles import as_float, percentile_and_count
from telephony.reports.scoped import Groups, Rows, equals, groups_of, in_scope

PERCENTILE = 0.9
DISPOSITIONS = ("answered", "abandoned", "voicemail", "failed")
COLUMNS = [
    "offered", "answered", "abandoned", "voicemail", "failed", "in_progress",
    "answered_within_1_ring", "answered_within_2_rings", "answered_within_3_rings",
    "answered_after_3_rings", "answered_rings_unknown", "answered_within_limit",
    "service_level", "service_level_2", "abandoned_rate",
    "ring_ms_avg", "ring_ms_p90", "queue_wait_ms_avg", "queue_wait_ms_p90",
]
DEFINITIONS = {
    "offered": "calls that ended in the range: answered + abandoned + voicemail + failed",
    "in_progress": "calls in the range not ended yet (no disposition); not in offered",
    "answered_within_N_ring(s)": "answered calls that rang at most N times (rings = floor(ring_ms / cadence) + 1)",
    "answered_after_3_rings": "answered calls that rang more than 3 times",
    "answered_rings_unknown": "answered calls without a ring time",
    "answered_within_limit": "answered calls that rang at most ring_limit times",
    "service_level": "answered_within_limit / answered (Asterisk's service level)",
    "service_level_2": "answered_within_limit / (answered + abandoned)",
    "abandoned_rate": "abandoned / offered",
    "ring_ms_avg, ring_ms_p90": "over answered calls with a ring time",
    "queue_wait_ms_avg, queue_wait_ms_p90": "over answered calls with a queue wait (speed of answer)",
    "rates": "ratios in [0, 1]; null when the denominator is 0",
}


def answer_time_report(session: Session, settings: Settings, scope: Scope) -> dict[str, Any]:
    with frame_for(session).snapshot(session, settings) as snap:
        rows = in_scope(snap, scope)
        groups = groups_of(rows, scope)
        disposition = rows.col("disposition")
        by_disposition = groups.count_by(disposition, len(snap.values["disposition"]))
        is_answered = equals(snap, "disposition", disposition, "answered")
        answered = _answered(rows.where(is_answered), groups.narrowed(is_answered), settings)
        names = group_names(session, settings, scope.group_by, groups.keys)

    present = by_disposition.any(axis=1).tolist()
    by_disposition = by_disposition.tolist()
    codes = {d: snap.code("disposition", d) for d in (*DISPOSITIONS, None)}

    def count(g: int, value: str | None) -> int:
        return by_disposition[g][codes[value]] if codes[value] is not None else 0

    out = []
    for g, key in enumerate(groups.keys):
        if scope.group_by is not None and not present[g]:
            continue  # no call of this hour, day...
        c = {d: count(g, d) for d in DISPOSITIONS}
        a = answered[g]
        offered, within = sum(c.values()), a["limit"]
        row = key_fields(scope.group_by, key, names)
        row.update({
            "offered": offered, "answered": c["answered"], "abandoned": c["abandoned"],
            "voicemail": c["voicemail"], "failed": c["failed"], "in_progress": count(g, None),
            "answered_within_1_ring": a["1"], "answered_within_2_rings": a["2"],
            "answered_within_3_rings": a["3"], "answered_after_3_rings": a["over"],
            "answered_rings_unknown": a["unknown"], "answered_within_limit": within,
            "service_level": ratio(within, c["answered"]),
            "service_level_2": ratio(within, c["answered"] + c["abandoned"]),
            "abandoned_rate": ratio(c["abandoned"], offered),
            "ring_ms_avg": ratio(a["ring_sum"], a["ring_n"]), "ring_ms_p90": a["ring_p90"],
            "queue_wait_ms_avg": ratio(a["wait_sum"], a["wait_n"]), "queue_wait_ms_p90": a["wait_p90"],
        })
        out.append(row)
    out.sort(key=row_order(scope.group_by))
    return {
        "report": "answer-time", **scope.describe(),
        "ring_limit": settings.ring_limit, "ring_cadence_ms": settings.ring_cadence_ms,
        "percentile": {"p": PERCENTILE, "exact": True,
                       "method": "percentile_cont (PostgreSQL's definition: linear between the two "
                                 "nearest ranks) over every call's value"},
        "definitions": DEFINITIONS,
        "columns": key_columns(scope.group_by) + COLUMNS, "rows": out,
    }


def _answered(answered: Rows, groups: Groups, settings: Settings) -> list[dict[str, Any]]:
    """Per group, of the answered calls: how many rang 1, 2, 3, more times or unknown, and the
    count, sum and p90 of their ring times and queue waits."""
    rings, ring_ms = answered.col("rings"), answered.col("ring_ms")
    missing = rings == NULL
    if missing.any():  # the rings stored (the cadence of the call's day), else from the ring time
        ms = ring_ms[missing].astype(np.int64)  # as the old SQL: ring_ms / cadence + 1, truncating
        cadence = settings.ring_cadence_ms
        rings = rings.copy()
        rings[missing] = np.where(ms != NULL, np.where(ms >= 0, ms // cadence, -(-ms // cadence)) + 1, NULL)
    # One class a call, counted at once: 0 unknown, 1 for `low` rings or fewer, ... up to `high`
    # or more, where low..high covers 1, 2, 3, more than 3 and the ring limit.
    limit = settings.ring_limit
    low, high = min(1, limit), max(4, limit + 1)
    known = rings != NULL
    classes = np.clip(rings, low, high) - (low - 1)
    classes[~known] = 0
    per = groups.count_by(classes, high - low + 2)
    at_most = per[:, 1:].cumsum(axis=1)  # column j: rang low + j times or fewer

    def within(k: int) -> np.ndarray:
        return at_most[:, k - low]

    counts = {"1": within(1), "2": within(2), "3": within(3), "over": at_most[:, -1] - within(3),
              "unknown": per[:, 0], "limit": within(limit)}
    n = len(groups.keys)
    columns = {k: v.tolist() for k, v in counts.items()}
    for name, col in (("ring", "ring_ms"), ("wait", "queue_wait_ms")):
        count, total, p90 = _stats(answered.col(col), groups)
        columns |= {f"{name}_n": count, f"{name}_sum": total, f"{name}_p90": p90}
    return [{k: v[g] for k, v in columns.items()} for g in range(n)]


def _stats(values: np.ndarray, groups: Groups) -> tuple[list[int], list[int], list[float | None]]:
    """Per group: how many values are not NULL, their sum and their p90."""
    has = values != NULL
    index = groups.index
    if not has.all():
        values, index = values[has], groups.of(has)
    n = len(groups.keys)
    if index is None:
        total = [int(values.sum(dtype=np.int64))]
    else:  # float64 sums are exact: a million 32-bit values stay below 2^53
        total = [int(x) for x in np.bincount(index, weights=values, minlength=n).tolist()]
    p90, count = percentile_and_count(values, index, n, PERCENTILE)
    return count.tolist(), total, [as_float(x) for x in p90.tolist()]
