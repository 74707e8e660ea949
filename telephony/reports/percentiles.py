"""Percentiles from histograms, the same way on SQLite and PostgreSQL.

SQLite has no percentile_cont, and sorting every value of a big range costs
more than the rest of a report. So the database groups the values into
buckets of `BUCKET_MS` (value // BUCKET_MS) and returns, for each bucket, its
count, its smallest and its largest value. The percentile is then read off
the cumulative counts, with PostgreSQL's `percentile_cont` definition: for
p in [0, 1] over n values sorted ascending, the (0-based) rank r = p·(n−1)
lies between the order statistics x[floor(r)] and x[floor(r)+1], and the
result is x[i] + (r − i)·(x[i+1] − x[i]).

An order statistic inside a bucket of c values between lo and hi is taken as
if the values were evenly spread: x = lo + (hi − lo)·k/(c − 1) for the k-th
(0-based) of them. Resolution: the answer is exact whenever the buckets it
reads hold at most two values (or evenly spaced ones), and otherwise it
never leaves the true value's bucket, so its error is below BUCKET_MS
(100 ms; a ring cycle is 5000 ms).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

BUCKET_MS = 100


@dataclass(frozen=True)
class Bucket:
    """`count` values in [lo, hi], preceded by `before` smaller values of the same group."""

    before: int
    count: int
    lo: float
    hi: float

    def value(self, rank: int) -> float:
        """The rank-th (0-based, over the whole group) value, which lies in this bucket."""
        k = rank - self.before
        if self.count == 1 or self.hi == self.lo:
            return float(self.lo)
        return self.lo + (self.hi - self.lo) * k / (self.count - 1)


def buckets_from_histogram(cells: Iterable[tuple[int, int, float, float]]) -> list[Bucket]:
    """(bucket, count, lo, hi) rows of one group, in any order → Buckets in value order."""
    out, before = [], 0
    for _, count, lo, hi in sorted(cells, key=lambda c: c[0]):
        out.append(Bucket(before, count, lo, hi))
        before += count
    return out


def percentile_cont(buckets: list[Bucket], n: int, p: float) -> float | None:
    """percentile_cont(p) of a group of n values, given (at least) the buckets that hold
    the order statistics floor(p·(n−1)) and the one after it."""
    if n <= 0:
        return None
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"percentile {p} outside [0, 1]")
    r = p * (n - 1)
    i = math.floor(r)
    frac = r - i
    x_i = _at(buckets, i)
    if frac == 0 or i + 1 >= n:
        return x_i
    return x_i + frac * (_at(buckets, i + 1) - x_i)


def _at(buckets: list[Bucket], rank: int) -> float:
    for b in buckets:
        if b.before <= rank < b.before + b.count:
            return b.value(rank)
    raise ValueError(f"no bucket holds rank {rank}")
