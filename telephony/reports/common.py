"""What every report shares: the time range, the grouping, rows and CSV.

Grouping by hour or day is in the `timezone` setting (Asia/Shanghai), not in
UTC: a call at 23:30 UTC belongs to 07:30 of the next local day. The UTC
offsets in force over the range are worked out here with zoneinfo, one per
stretch between daylight-saving transitions (Asia/Shanghai has none), and
handed to the database as fixed offsets: SQLite, which stores UTC text
("2026-11-23 23:30:00.000000") and knows no time zones, as date-function
modifiers ("+480 minutes"); PostgreSQL as AT TIME ZONE INTERVAL.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    Interval,
    case,
    cast,
    false,
    func,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from telephony.db.models import Call

GROUP_BYS = ("agent", "department", "hour", "day", "category", "building")
GROUP_LABEL = "grp"  # the group key's name in the SQL (GROUP BY refers to it by name)


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


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@contextmanager
def tuned(session: Session) -> Iterator[None]:
    """PostgreSQL settings for big aggregates, for the report's transaction only (SET LOCAL):
    JIT compiling costs more than it saves on these queries, and the hash join of a year
    of verdicts needs more than the default 4 MB of work_mem to stay in memory.

    (SQLite: a bigger cache_size, which is also the sorter's memory, made a year's
    GROUP BY slower, not faster, and a month's no faster: left alone.)"""
    if dialect(session) == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    yield


def unindexed(column: ColumnElement, dialect_name: str) -> ColumnElement:
    """The column, hidden from SQLite's planner in a WHERE clause.

    SQLite keeps no statistics (the hotline never runs ANALYZE), so it takes an
    equality on any indexed column (disposition, agent...) over the started_at
    range, then reads the whole table's matching rows. `col || ''` is the same
    value but can't use an index, which keeps SQLite on the started_at range
    and its covering index. PostgreSQL plans with statistics: left alone.
    """
    return column.concat("") if dialect_name == "sqlite" else column


def where(scope: Scope, dialect_name: str, table=Call) -> list[ColumnElement]:
    """The WHERE clauses: started_at in [since, until), the equality filters, the departments."""
    conds: list[ColumnElement] = []
    if scope.since is not None:
        conds.append(table.started_at >= scope.since)
    if scope.until is not None:
        conds.append(table.started_at < scope.until)
    for name, value in sorted(scope.filters.items()):
        conds.append(unindexed(getattr(table, name), dialect_name) == value)
    if scope.departments is not None:
        conds.append(unindexed(table.department, dialect_name).in_(scope.departments)
                     if scope.departments else false())
    return conds


# -- group keys ---------------------------------------------------------------------------

def group_key(session: Session, scope: Scope, table=Call) -> ColumnElement | None:
    """The SQL expression of the scope's group key, labelled GROUP_LABEL (None: one total)."""
    g = scope.group_by
    if g is None:
        return None
    name = dialect(session)
    if g in ("agent", "department", "category"):
        expr = getattr(table, g)
    elif g == "building":  # "3-2-502" -> "3"
        if name == "postgresql":
            expr = func.split_part(table.unit, "-", 1)
        else:
            dash = func.instr(table.unit, "-")
            expr = case((dash > 0, func.substr(table.unit, 1, dash - 1)), else_=table.unit)
    else:  # hour or day, local time
        offset = _offset_expression(session, scope, table)
        if name == "postgresql":
            local = func.timezone(offset, table.started_at)  # AT TIME ZONE INTERVAL '+480 minutes'
            expr = cast(func.date_part("hour", local), Integer) if g == "hour" else cast(local, Date)
        elif g == "hour":
            expr = cast(func.strftime("%H", table.started_at, offset), Integer)
        else:
            expr = func.date(table.started_at, offset)
    return expr.label(GROUP_LABEL)


def group_key_or_total(session: Session, scope: Scope, table=Call) -> tuple[ColumnElement, list]:
    """(the key labelled GROUP_LABEL, what to GROUP BY for it). Without group_by the key is a
    constant NULL and nothing is grouped on: one total row."""
    key = group_key(session, scope, table)
    if key is None:
        return null().label(GROUP_LABEL), []
    return key, [text(GROUP_LABEL)]


def _offset_expression(session: Session, scope: Scope, table) -> Any:
    """The UTC offset of the `timezone` setting at each call's start, for the database:
    SQLite a date-function modifier ('+480 minutes'), PostgreSQL an interval. One value
    when the range has no daylight-saving transition (Asia/Shanghai), else a CASE.

    Fixed offsets rather than PostgreSQL's AT TIME ZONE 'Asia/Shanghai': the same
    answer, but the named zone costs a lookup per row (2-3 times slower on a year)."""
    lo, hi = scope.since, scope.until
    if lo is None or hi is None:  # open range: the data's own span
        first, last = session.execute(select(func.min(table.started_at), func.max(table.started_at))).one()
        lo = lo or _aware(first)
        hi = hi or (_aware(last) + timedelta(seconds=1) if last is not None else None)
    now = datetime.now(timezone.utc)
    segments = offset_segments(scope.tz, lo or now, hi or now)
    if dialect(session) == "postgresql":  # (a negative timedelta would be bound as "-1 days +20:00")
        value = lambda minutes: cast(literal(f"{minutes:+d} minutes"), Interval)  # noqa: E731
    else:
        value = lambda minutes: f"{minutes:+d} minutes"  # noqa: E731
    if len(segments) == 1:
        return value(segments[0][1])
    whens = [(table.started_at < start, value(prev)) for (start, _), (_, prev)
             in zip(segments[1:], segments[:-1], strict=True)]
    return case(*whens, else_=value(segments[-1][1]))


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


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
