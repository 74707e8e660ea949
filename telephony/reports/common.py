"""What every report shares: the scope (time range, grouping, filters), rows and CSV.

Grouping by hour or day is in the `timezone` setting (Asia/Shanghai), not in
UTC: a call at 23:30 UTC belongs to 07:30 of the next local day. The UTC
offsets in force over the range are worked out here with zoneinfo, one per
stretch between daylight-saving transitions (Asia/Shanghai has none), and
applied to the frame's UTC times (telephony.reports.scoped).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

GROUP_BYS = ("agent", "department", "hour", "day", "category", "building")


class ReportError(ValueError):
    """A request the report can't answer (the API's 422)."""


def utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ReportError(f"{name} needs a time zone, e.g. 2026-11-23T08:00:00+08:00")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Scope:
    """The calls a report covers and how it groups them."""

    tz: ZoneInfo
    since: datetime | None = None  # aware; inclusive
    until: datetime | None = None  # aware; exclusive
    group_by: str | None = None
    filters: dict[str, str] = field(default_factory=dict)  # agent / department / category
    # Only calls of these departments (a supervisor's reports); None: no such limit.
    departments: tuple[str, ...] | None = None

    @classmethod
    def make(cls, timezone_name: str, since: datetime | None = None, until: datetime | None = None,
             group_by: str | None = None, departments: Sequence[str] | None = None,
             **filters: str | None) -> "Scope":
        since_utc, until_utc = utc(since, "since"), utc(until, "until")
        if since_utc is not None and until_utc is not None and since_utc >= until_utc:
            raise ReportError("since must be before until")
        if group_by is not None and group_by not in GROUP_BYS:
            raise ReportError(f"group_by must be one of {', '.join(GROUP_BYS)}")
        unknown = set(filters) - {"agent", "department", "category"}
        if unknown:
            raise ReportError(f"unknown filter {sorted(unknown)}")
        return cls(ZoneInfo(timezone_name), since_utc, until_utc, group_by,
                   {k: v for k, v in filters.items() if v is not None},
                   tuple(departments) if departments is not None else None)

    def describe(self) -> dict[str, Any]:
        """The scope as echoed in every report."""
        return {"since": iso(self.since, self.tz), "until": iso(self.until, self.tz),
                "timezone": self.tz.key, "group_by": self.group_by, "filters": dict(self.filters),
                "departments": list(self.departments) if self.departments is not None else None}


def iso(value: datetime | None, tz: ZoneInfo, timespec: str = "seconds") -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they are UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz).isoformat(timespec=timespec)


def _offset_minutes(tz: ZoneInfo, t: datetime) -> int:
    return int(t.astimezone(tz).utcoffset().total_seconds() // 60)


def offset_segments(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime | None, int]]:
    """[(from, UTC offset in minutes)] covering [start, end]: the first `from` is None, the
    others are the UTC instants of the time zone's transitions (found to the second)."""
    current = _offset_minutes(tz, start)
    segments: list[tuple[datetime | None, int]] = [(None, current)]
    t, step = start, timedelta(hours=12)  # transitions are months apart
    while t < end:
        nxt = min(t + step, end)
        offset = _offset_minutes(tz, nxt)
        if offset != current:
            lo, hi = int(t.timestamp()), int(nxt.timestamp())  # offset(lo) = current != offset(hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_minutes(tz, datetime.fromtimestamp(mid, timezone.utc)) == current:
                    lo = mid
                else:
                    hi = mid
            segments.append((datetime.fromtimestamp(hi, timezone.utc), offset))
            current = offset
        t = nxt
    return segments


def key_value(group_by: str | None, value: Any) -> Any:
    """A group key as the rows show it: hour int, day "YYYY-MM-DD", text, or None."""
    if value is None or group_by is None:
        return None
    if group_by == "hour":
        return int(value)
    if group_by == "day":
        return value if isinstance(value, str) else value.isoformat()
    value = str(value)
    return value or None  # a unit without a building part


def row_order(group_by: str | None):
    """Sort key for rows: natural order (building 2 before 10), no key last."""
    def key(row: dict) -> tuple:
        v = row.get(group_by) if group_by else None
        if v is None:
            return (1, 0, "")
        if isinstance(v, int):
            return (0, v, "")
        parts = re.split(r"(\d+)", v)
        return (0, 0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p))
    return key


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# -- CSV ----------------------------------------------------------------------------------

def to_csv(columns: Sequence[str], rows: Iterable[dict]) -> str:
    """RFC 4180 CSV with a header row; empty cell for null; floats in full (repr).

    Starts with a UTF-8 byte-order mark so that Excel, what supervisors open
    these in, reads the Chinese names as UTF-8 (decode with utf-8-sig)."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(columns)
    for row in rows:
        w.writerow(["" if row.get(c) is None else repr(row[c]) if isinstance(row[c], float) else row[c]
                    for c in columns])
    return out.getvalue()
