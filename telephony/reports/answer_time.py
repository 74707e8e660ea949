"""The answer-time report: how fast calls are answered, per group.

Two statements, each one grouped scan of the range (whatever its size), and
neither returns call rows:

1. a histogram h per (group, disposition, rings, ring_ms // 100) with count,
   sum/min/max of ring_ms and count/sum of queue_wait_ms; from it, in the
   same statement, (a) the counts and sums per (group, disposition, rings) and
   (b) the answered calls' ring-time buckets around the 90th percentile's rank
   (window functions over the merged histogram), UNION ALL;
2. the answered calls' queue-wait histogram per (group, queue_wait_ms // 100),
   likewise cut down to the buckets around the rank.

Each returns a handful of rows per group, so the work in Python does not grow
with the range. Percentiles: telephony.reports.percentiles (percentile_cont;
exact for sparse data, otherwise within one 100 ms bucket).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Float, func, literal, null, select, text, union_all
from sqlalchemy.orm import Session

from telephony.core.config import Settings
from telephony.db.models import Call
from telephony.reports.common import (
    GROUP_LABEL,
    Scope,
    dialect,
    group_key_or_total,
    key_value,
    ratio,
    row_order,
    tuned,
    unindexed,
    where,
)
from telephony.reports.names import group_names, key_columns, key_fields
from telephony.reports.percentiles import BUCKET_MS, Bucket, percentile_cont

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
    with tuned(session):
        return _answer_time_report(session, settings, scope)


def _answer_time_report(session: Session, settings: Settings, scope: Scope) -> dict[str, Any]:
    d = dialect(session)
    key, by = group_key_or_total(session, scope)
    conds = where(scope, d)

    groups: dict[Any, _Group] = defaultdict(_Group)
    ring_buckets: dict[Any, tuple[int, list[Bucket]]] = {}
    for kind, g, disp, ring_n, n, n_ring, s_ring, n_wait, s_wait, c, lo, hi, upto, total in session.execute(
            _counts_and_ring_buckets(settings, key, by, conds)):
        g = key_value(scope.group_by, g)
        if kind == "t":
            groups[g].add(disp, ring_n, int(n), int(n_ring), int(s_ring or 0), int(n_wait), int(s_wait or 0),
                          settings.ring_limit)
        else:
            ring_buckets.setdefault(g, (int(total), []))[1].append(Bucket(int(upto) - int(c), int(c), lo, hi))
    waits = session.execute(_percentile_buckets(Call.queue_wait_ms, key, by,
                                                [*conds, unindexed(Call.disposition, d) == "answered"]))
    wait_buckets: dict[Any, tuple[int, list[Bucket]]] = {}
    for g, c, lo, hi, upto, total in waits:
        wait_buckets.setdefault(key_value(scope.group_by, g), (int(total), []))[1].append(
            Bucket(int(upto) - int(c), int(c), lo, hi))

    if scope.group_by is None:
        groups[None]  # noqa: B018 - one total row, even of nothing
    names = group_names(session, settings, scope.group_by, list(groups))
    rows = []
    for g, acc in groups.items():
        row = key_fields(scope.group_by, g, names)
        row.update(acc.row(_p90(ring_buckets.get(g)), _p90(wait_buckets.get(g))))
        rows.append(row)
    rows.sort(key=row_order(scope.group_by))
    return {
        "report": "answer-time", **scope.describe(),
        "ring_limit": settings.ring_limit, "ring_cadence_ms": settings.ring_cadence_ms,
        "percentile": {"p": PERCENTILE, "method": "percentile_cont over a histogram of 100 ms buckets "
                       "(count, min, max per bucket): exact when the buckets read hold at most two calls, "
                       "otherwise within one bucket", "resolution_ms": BUCKET_MS},
        "definitions": DEFINITIONS,
        "columns": key_columns(scope.group_by) + COLUMNS, "rows": rows,
    }


def _p90(found: tuple[int, list[Bucket]] | None) -> float | None:
    return percentile_cont(found[1], found[0], PERCENTILE) if found else None


def _near_rank(w):
    """Buckets holding rank floor(r) or floor(r)+1, r = p·(n−1): a bucket holds the ranks
    [upto − c, upto), so it is needed when upto > r − 1 and upto − c ≤ r + 1."""
    rank = literal(PERCENTILE, Float) * (w.c.total - 1)
    return (w.c.upto > rank - 1) & (w.c.upto - w.c.c <= rank + 1)


def _windowed(hist):
    """hist (grp, b, c, lo, hi) with the running count `upto` and the group's `total`."""
    upto = func.sum(hist.c.c).over(partition_by=hist.c[GROUP_LABEL], order_by=hist.c.b, rows=(None, 0))
    total = func.sum(hist.c.c).over(partition_by=hist.c[GROUP_LABEL])
    return select(hist.c[GROUP_LABEL], hist.c.c, hist.c.lo, hist.c.hi,
                  upto.label("upto"), total.label("total")).subquery("w")


def _counts_and_ring_buckets(settings: Settings, key, by, conds):
    rings = func.coalesce(Call.rings, Call.ring_ms // settings.ring_cadence_ms + 1)
    h = (select(key, Call.disposition.label("disp"), rings.label("ring_n"),
                (Call.ring_ms // BUCKET_MS).label("b"), func.count().label("n"),
                func.count(Call.ring_ms).label("n_ring"), func.sum(Call.ring_ms).label("s_ring"),
                func.min(Call.ring_ms).label("lo"),
                func.max(Call.ring_ms).label("hi"), func.count(Call.queue_wait_ms).label("n_wait"),
                func.sum(Call.queue_wait_ms).label("s_wait"))
         .where(*conds)
         .group_by(*by, text("disp"), text("ring_n"), text("b"))
         .cte("h"))
    g = h.c[GROUP_LABEL]
    counts = (select(literal("t").label("kind"), g, h.c.disp, h.c.ring_n, func.sum(h.c.n),
                     func.sum(h.c.n_ring), func.sum(h.c.s_ring), func.sum(h.c.n_wait), func.sum(h.c.s_wait),
                     null(), null(), null(), null(), null())
              .group_by(g, h.c.disp, h.c.ring_n))
    ring_hist = (select(g, h.c.b, func.sum(h.c.n).label("c"), func.min(h.c.lo).label("lo"),
                        func.max(h.c.hi).label("hi"))
                 .where(h.c.disp == "answered", h.c.b.is_not(None))
                 .group_by(g, h.c.b)
                 .subquery("r"))
    w = _windowed(ring_hist)
    buckets = select(literal("r"), w.c[GROUP_LABEL], null(), null(), null(), null(), null(), null(), null(),
                     w.c.c, w.c.lo, w.c.hi, w.c.upto, w.c.total).where(_near_rank(w))
    return union_all(counts, buckets)


def _percentile_buckets(column, key, by, conds):
    """The buckets around the p90 rank of `column`'s histogram, per group."""
    h = (select(key, (column // BUCKET_MS).label("b"), func.count().label("c"),
                func.min(column).label("lo"), func.max(column).label("hi"))
         .where(*conds, column.is_not(None))
         .group_by(*by, text("b"))
         .subquery("h"))
    w = _windowed(h)
    return select(w.c[GROUP_LABEL], w.c.c, w.c.lo, w.c.hi, w.c.upto, w.c.total).where(_near_rank(w))


class _Group:
    def __init__(self) -> None:
        self.by_disposition: dict[str | None, int] = defaultdict(int)
        self.rings = {"1": 0, "2": 0, "3": 0, "over": 0, "unknown": 0, "limit": 0}
        self.ring_n = 0
        self.ring_sum = 0
        self.wait_n = 0
        self.wait_sum = 0

    def add(self, disp, ring_n, n, n_ring, s_ring, n_wait, s_wait, ring_limit) -> None:
        self.by_disposition[disp] += n
        if disp != "answered":
            return
        if ring_n is None:
            self.rings["unknown"] += n
        else:
            ring_n = int(ring_n)
            for limit in (1, 2, 3):
                if ring_n <= limit:
                    self.rings[str(limit)] += n
            if ring_n > 3:
                self.rings["over"] += n
            if ring_n <= ring_limit:
                self.rings["limit"] += n
        self.ring_n += n_ring
        self.ring_sum += s_ring
        self.wait_n += n_wait
        self.wait_sum += s_wait

    def row(self, ring_p90: float | None, wait_p90: float | None) -> dict[str, Any]:
        c = self.by_disposition
        answered, abandoned = c["answered"], c["abandoned"]
        offered = sum(c[k] for k in DISPOSITIONS)
        within = self.rings["limit"]
        return {
            "offered": offered, "answered": answered, "abandoned": abandoned,
            "voicemail": c["voicemail"], "failed": c["failed"], "in_progress": c[None],
            "answered_within_1_ring": self.rings["1"], "answered_within_2_rings": self.rings["2"],
            "answered_within_3_rings": self.rings["3"], "answered_after_3_rings": self.rings["over"],
            "answered_rings_unknown": self.rings["unknown"], "answered_within_limit": within,
            "service_level": ratio(within, answered), "service_level_2": ratio(within, answered + abandoned),
            "abandoned_rate": ratio(abandoned, offered),
            "ring_ms_avg": ratio(self.ring_sum, self.ring_n), "ring_ms_p90": ring_p90,
            "queue_wait_ms_avg": ratio(self.wait_sum, self.wait_n), "queue_wait_ms_p90": wait_p90,
        }
