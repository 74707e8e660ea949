"""The frame's rows that a report's scope covers, and the group of each.

The time range is a slice of the frame (sorted by started_at: two binary searches); the
filters and a supervisor's departments a mask over it. Groups are small ints: codes of the
text column mapped to the rows' keys (key_value: an empty agent or building is the
no-key row), or the local hour or day in the `timezone` setting, from the UTC offsets in
force (common.offset_segments; several only across a daylight-saving transition).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np

from telephony.reports.common import Scope, key_value, offset_segments
from telephony.reports.frame import Snapshot

US = 1_000_000
HOUR_US, DAY_US = 3600 * US, 86400 * US
EPOCH_DAY = date(1970, 1, 1)


def to_us(t: datetime) -> int:
    """An aware datetime as µs since the epoch (exact, unlike timestamp() * 1e6)."""
    delta = t - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


@dataclass(frozen=True)
class Rows:
    """Rows lo .. hi of the frame, those where `mask` is true (None: all of them)."""

    snap: Snapshot
    lo: int
    hi: int
    mask: np.ndarray | None = None

    def __len__(self) -> int:
        return self.hi - self.lo if self.mask is None else int(np.count_nonzero(self.mask))

    def col(self, name: str) -> np.ndarray:
        col = self.snap.cols[name][self.lo:self.hi]
        return col if self.mask is None else col[self.mask]

    def where(self, keep: np.ndarray) -> "Rows":
        """The rows among these where keep (one bool per row of these) is true."""
        if self.mask is None:
            mask = keep
        else:
            mask = self.mask.copy()
            mask[mask] = keep
        return Rows(self.snap, self.lo, self.hi, mask)


def equals(snap: Snapshot, column: str, codes: np.ndarray, value: str | None) -> np.ndarray:
    """codes (of a text column) == value's code, one bool per row."""
    code = snap.code(column, value)
    return codes == code if code is not None else np.zeros(len(codes), bool)


def in_scope(snap: Snapshot, scope: Scope) -> Rows:
    """The calls that started in [since, until), with the filters and the departments."""
    started = snap.cols["started"]
    lo = int(np.searchsorted(started, to_us(scope.since), "left")) if scope.since is not None else 0
    hi = int(np.searchsorted(started, to_us(scope.until), "left")) if scope.until is not None else snap.n
    hi = max(lo, hi)
    mask = None
    limits = [(name, (value,)) for name, value in sorted(scope.filters.items())]
    if scope.departments is not None:
        limits.append(("department", scope.departments))
    for name, allowed in limits:
        codes = [c for v in allowed if (c := snap.code(name, v)) is not None]
        ok = np.zeros(len(snap.values[name]), bool)
        ok[codes] = True
        keep = ok[snap.cols[name][lo:hi]]
        mask = keep if mask is None else mask & keep
    if mask is not None and mask.all():
        mask = None  # e.g. a supervisor of every department: plain slices
    return Rows(snap, lo, hi, mask)


@dataclass(frozen=True)
class Groups:
    """Each row's group: `index` (None: one group, the total) into `keys`."""

    index: np.ndarray | None
    keys: list
    size: int  # rows

    def count(self, where: np.ndarray | None = None) -> np.ndarray:
        """Rows per group (those where `where` is true)."""
        if self.index is None:
            return np.array([self.size if where is None else np.count_nonzero(where)], np.int64)
        index = self.index if where is None else self.index[where]
        return np.bincount(index, minlength=len(self.keys))

    def count_by(self, codes: np.ndarray, n_codes: int) -> np.ndarray:
        """Rows per (group, code): a len(keys) × n_codes matrix."""
        if self.index is None:
            flat = codes
        else:
            flat = self.index * n_codes
            flat += codes
        return np.bincount(flat, minlength=len(self.keys) * n_codes).reshape(len(self.keys), n_codes)

    def sum(self, values: np.ndarray, where: np.ndarray) -> list[int]:
        """The sum of the integer values per group where `where` is true (exact: float64 holds
        the sums of a million 32-bit values)."""
        if self.index is None:
            return [int(values[where].sum(dtype=np.int64))]
        sums = np.bincount(self.index[where], weights=values[where], minlength=len(self.keys))
        return [int(s) for s in sums]

    def of(self, where: np.ndarray) -> np.ndarray | None:
        """The index of the rows where `where` is true."""
        return None if self.index is None else self.index[where]

    def narrowed(self, where: np.ndarray) -> "Groups":
        """The same groups, of the rows where `where` is true."""
        return Groups(self.of(where), self.keys, int(np.count_nonzero(where)))


def groups_of(rows: Rows, scope: Scope) -> Groups:
    g = scope.group_by
    size = len(rows)
    if g is None:
        return Groups(None, [None], size)
    if g in ("agent", "department", "category", "building"):
        keys_of_code = [key_value(g, v) for v in rows.snap.values[g]]
        keys = list(dict.fromkeys(keys_of_code))
        where = {k: i for i, k in enumerate(keys)}
        lut = np.array([where[k] for k in keys_of_code], np.intp)
        return Groups(lut[rows.col(g)], keys, size)
    local = rows.col("started") + _offsets_us(rows, scope)
    if g == "hour":
        return Groups(local // HOUR_US % 24, list(range(24)), size)
    day = local // DAY_US
    first = int(day.min()) if size else 0
    last = int(day.max()) if size else -1
    keys = [(EPOCH_DAY + timedelta(days=d)).isoformat() for d in range(first, last + 1)]
    return Groups(day - first, keys, size)


def _offsets_us(rows: Rows, scope: Scope) -> np.ndarray | int:
    """The `timezone` setting's UTC offset at each row's start, in µs (one number when the
    range has a single offset). An open range takes the data's own span."""
    started = rows.snap.cols["started"]
    lo, hi = scope.since, scope.until
    if (lo is None or hi is None) and rows.snap.n:
        first = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(started[0]))
        last = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(started[-1]))
        lo = lo or first
        hi = hi or last + timedelta(seconds=1)
    now = datetime.now(timezone.utc)
    segments = offset_segments(scope.tz, lo or now, hi or now)
    minutes = np.array([m for _, m in segments], np.int64) * 60 * US
    if len(segments) == 1:
        return int(minutes[0])
    bounds = np.array([to_us(t) for t, _ in segments[1:]], np.int64)
    return minutes[np.searchsorted(bounds, rows.col("started"), "right")]
