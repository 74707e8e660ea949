"""The call log in memory for the reports: numpy columns, one row per call; loads and refreshes it.

A year of a busy hotline is a million calls, and aggregating a year of them in SQL takes
seconds. So the API process keeps what the reports read of every call in numpy arrays
sorted by (started_at, id): a time range is two binary searches, and the reports count
with bincount (telephony.reports.scoped and the reports themselves).

Columns, about 60 bytes a call (some 60 MB for a million):
- id, started (µs since the epoch, UTC): int64
- rings, ring_ms, queue_wait_ms: int32, NULL (the int32 minimum) for none
- disposition, agent, department, category, urgency, building (the unit's part before its
  first "-", as the reports group it), callback (its status): int16 codes into each column's
  list of values, code 0 being None
- callback_due: int64 µs (0: no callback)
- verdicts: int16 code of the call's verdicts: row `code` of Snapshot.combos, an int8
  matrix with a column per rule (0 none, 1 pass, 2 fail, 3 n/a, 4 any other word). A year
  has a few hundred distinct combinations, so the compliance report counts them with one
  bincount instead of one per rule.

Load: three whole-table reads (calls, callbacks, verdicts packed into one number per call
by the database), streamed from the driver's cursors.

Refresh: before each report the frame reads the calls changed since its last look: `id`
above the largest it has (rows written without updated_at), or `updated_at` at least the
database's clock at the last look less report_frame_window_s. A row's updated_at is the
time of its statement, not of its commit, so a transaction that commits late or out of
order is still seen if it took less than the window. Those are a handful of rows through
ix_calls_updated_at (and, if any, their callbacks and verdicts); rows that did not really
change are dropped, changed ones patched in place, and a call out of started_at order (a
call opened late, a rebuilt one) re-sorts the tail of the arrays from its place, which is
near the end. Deleted calls and rows changed
by hand without updated_at are caught by a whole reload in the background every
report_frame_max_age_s.

Reports read under a shared lock; a patch is applied under the exclusive one (it waits for
the reports in flight, and new reports wait for it). Copying the arrays for every change,
to give each report an immutable copy instead, costs about 100 ms a time at a million
calls on the 2-core machine.

The database down: the refresh fails and with it the report (the API's 503), never a
frame served without its refresh.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import numpy as np
from sqlalchemy import BigInteger, DateTime, Integer, bindparam, case, cast, extract, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from telephony.audit.rules import RULES
from telephony.core.config import Settings
from telephony.db.models import AuditVerdict, Call, Callback, db_now

log = logging.getLogger(__name__)

NULL = int(np.iinfo(np.int32).min)  # no ring time, queue wait or rings
NUMBERS = ("rings", "ring_ms", "queue_wait_ms")
CALL_TEXTS = ("disposition", "agent", "department", "category", "urgency", "building")
TEXTS = (*CALL_TEXTS, "callback")
DTYPES = {"id": np.int64, "started": np.int64, **dict.fromkeys(NUMBERS, np.int32),
          **dict.fromkeys(TEXTS, np.int16), "callback_due": np.int64, "verdicts": np.int16}
COLUMNS = tuple(DTYPES)
VERDICT_CODES = {"pass": 1, "fail": 2, "n/a": 3}
OTHER_VERDICT = 4  # a verdict word the reports don't know
BITS = 3  # bits per rule in the verdicts the database packs into one number per call
OTHER_RULE = 1 << 40  # ... and per verdict of another rule (at most 13 rules below it)
CHUNK = 50_000  # rows per fetch of a whole load
IN_CHUNK = 500


# -- what the database sends ------------------------------------------------------------

def _epoch_us(column, dialect: str):
    """A timestamp column as µs since the epoch, computed by the database."""
    if dialect == "postgresql":
        return cast(extract("epoch", column) * 1_000_000, BigInteger)
    # SQLite keeps SQLAlchemy's text, "2026-11-23 01:00:00.123456": the date functions give
    # whole seconds, the digits after the point the microseconds.
    micro = cast(func.substr(func.substr(column, 21).concat("000000"), 1, 6), Integer)
    return (cast(func.strftime("%s", column), BigInteger) * 1_000_000
            + case((func.substr(column, 20, 1) == ".", micro), else_=0))


def _building(dialect: str):
    """"3-2-502" -> "3"; a unit without "-" is its own building."""
    if dialect == "postgresql":
        return func.split_part(Call.unit, "-", 1)
    dash = func.instr(Call.unit, "-")
    return case((dash > 0, func.substr(Call.unit, 1, dash - 1)), else_=Call.unit)


@lru_cache(maxsize=None)
def _queries(dialect: str, changes: bool) -> tuple:
    """(calls, their callbacks, their verdicts): every call, or (changes) those with
    id > :max_id or updated_at >= :since. Made once per dialect: building them costs more
    than running them for a few rows."""
    calls = select(Call.id, _epoch_us(Call.started_at, dialect),
                   *(func.coalesce(getattr(Call, name), NULL) for name in NUMBERS),
                   Call.disposition, Call.agent, Call.department, Call.category, Call.urgency, _building(dialect))
    callbacks = select(Callback.call_id, Callback.status, func.coalesce(_epoch_us(Callback.due_at, dialect), 0))
    # a call's verdicts packed into one number: BITS bits a known rule (one verdict per rule
    # and call), plus OTHER_RULE per verdict of another rule
    weight = case({rule: 1 << (BITS * k) for k, rule in enumerate(RULES)}, value=AuditVerdict.rule,
                  else_=OTHER_RULE)
    code = case(VERDICT_CODES, value=AuditVerdict.verdict, else_=OTHER_VERDICT)
    packed = cast(func.sum(weight * code), BigInteger)
    if not changes:
        return calls, callbacks, select(AuditVerdict.call_id, packed).group_by(AuditVerdict.call_id)
    changed = or_(Call.id > bindparam("max_id", type_=BigInteger),
                  Call.updated_at >= bindparam("since", type_=DateTime(timezone=True)))
    # Each changed call's verdicts through the index on call_id: joined and grouped, SQLite
    # would rather read every verdict in call_id order.
    verdicts = select(Call.id, func.coalesce(select(packed).where(AuditVerdict.call_id == Call.id)
                                             .scalar_subquery(), 0))
    return (calls.where(changed), callbacks.join(Call, Call.id == Callback.call_id).where(changed),
            verdicts.where(changed))


def _streamed(session: Session, statement) -> Iterator[list[tuple]]:
    """A whole-log query's rows, CHUNK at a time, straight from the driver's cursor (through
    SQLAlchemy's rows a load takes several times as long); PostgreSQL's a server-side cursor."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raw = connection.connection.driver_connection
    cursor = raw.cursor(name="report_frame") if connection.dialect.name == "postgresql" else raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            yield rows
    finally:
        cursor.close()


def _db_clock(session: Session) -> datetime:
    now = session.execute(select(db_now())).scalar_one()
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


def _other_rules(session: Session, call_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """The verdicts of rules other than RULES, of these calls: {call_id: {rule: verdict}}."""
    out: dict[int, dict[str, str]] = {}
    for i in range(0, len(call_ids), IN_CHUNK):
        chunk = [int(c) for c in call_ids[i:i + IN_CHUNK]]
        for cid, rule, verdict in session.execute(
                select(AuditVerdict.call_id, AuditVerdict.rule, AuditVerdict.verdict)
                .where(AuditVerdict.call_id.in_(chunk), AuditVerdict.rule.not_in(RULES))):
            out.setdefault(cid, {})[rule] = verdict
    return out


# -- codes ------------------------------------------------------------------------------

class _Values:
    """A text column's distinct values; a value's code is its place (0: None)."""

    def __init__(self) -> None:
        self.values: list[str | None] = [None]
        self.index: dict[str | None, int] = {None: 0}

    def code(self, value: str | None) -> int:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
        return code

    def encode(self, column: Sequence[str | None]) -> np.ndarray:
        for value in set(column).difference(self.index):
            self.code(value)
        return np.fromiter(map(self.index.__getitem__, column), np.int32, len(column))


class _Combos:
    """The distinct verdict combinations: one tuple per code, a verdict code per rule."""

    def __init__(self) -> None:
        self.rules: list[str] = list(RULES)
        self.index: dict[tuple[int, ...], int] = {(0,) * len(RULES): 0}
        self.matrix = np.zeros((1, len(RULES)), np.int8)

    def codes(self, session: Session, ids: np.ndarray, packed: np.ndarray) -> np.ndarray:
        """The combination codes of calls `ids` with verdicts `packed` (see _queries); the
        verdicts of other rules are read for the calls that have some."""
        uniq, inverse = np.unique(packed % OTHER_RULE, return_inverse=True)
        lut = np.fromiter((self._code(self._unpack(int(p))) for p in uniq), np.int32, len(uniq))
        codes = lut[inverse]
        others = np.flatnonzero(packed >= OTHER_RULE)
        found = _other_rules(session, ids[others].tolist()) if others.size else {}
        for row in others.tolist():
            combo = list(self._unpack(int(packed[row] % OTHER_RULE)))
            for rule, word in found.get(int(ids[row]), {}).items():
                if rule not in self.rules:
                    self._add_rule(rule)
                    combo.append(0)
                combo[self.rules.index(rule)] = VERDICT_CODES.get(word, OTHER_VERDICT)
            codes[row] = self._code(tuple(combo))
        return codes

    def _unpack(self, packed: int) -> tuple[int, ...]:
        known = tuple((packed >> (BITS * k)) & ((1 << BITS) - 1) for k in range(len(RULES)))
        return known + (0,) * (len(self.rules) - len(RULES))

    def _code(self, combo: tuple[int, ...]) -> int:
        code = self.index.get(combo)
        if code is None:
            code = self.index[combo] = len(self.index)
            self.matrix = np.vstack([self.matrix, np.array([combo], np.int8)])  # a new array: readers keep theirs
        return code

    def _add_rule(self, rule: str) -> None:
        # The matrix first: a report taking the rules, then the matrix (Data.snapshot), may see
        # a column more than rules, never a rule without its column.
        self.matrix = np.hstack([self.matrix, np.zeros((len(self.matrix), 1), np.int8)])
        self.index = {combo + (0,): code for combo, code in self.index.items()}
        self.rules.append(rule)


# -- the columns ------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """What a report reads: the columns (views; valid while Frame.snapshot's block runs)."""

    n: int
    cols: dict[str, np.ndarray]
    values: dict[str, list]  # text column -> its values by code
    combos: np.ndarray  # verdict code -> verdict per rule (int8)
    rules: tuple[str, ...]  # combos' first columns: RULES, then any other rule found
    _index: dict[str, dict]

    def code(self, column: str, value: str | None) -> int | None:
        """The code of a text column's value (None: no call has it)."""
        return self._index[column].get(value)


class _Data:
    """The columns in buffers with room to grow (rows [0, n) are the calls), and their codes."""

    def __init__(self) -> None:
        self.n = 0
        self.cols = {name: np.empty(0, dtype) for name, dtype in DTYPES.items()}
        self.texts = {name: _Values() for name in TEXTS}
        self.combos = _Combos()
        self.pos = np.full(1, -1, np.int32)  # row of each call id, -1: none
        self.max_id = 0
        self.watermark: datetime | None = None  # the database's clock when last read
        self.loaded_at = time.monotonic()

    def snapshot(self) -> Snapshot:
        n, rules = self.n, tuple(self.combos.rules)  # the rules before the matrix: see _Combos._add_rule
        return Snapshot(n, {name: col[:n] for name, col in self.cols.items()},
                        {name: list(t.values) for name, t in self.texts.items()}, self.combos.matrix,
                        rules, {name: dict(t.index) for name, t in self.texts.items()})

    def read(self, session: Session, params: dict | None = None) -> dict[str, np.ndarray]:
        """Every call (params None) or the changed ones, as columns (any order); new text
        values and verdict combinations get codes."""
        calls_q, callbacks_q, verdicts_q = _queries(session.get_bind().dialect.name, params is not None)
        if params is None:
            def chunks(q):
                return _streamed(session, q)
        else:
            def chunks(q):
                return [session.execute(q, params).all()]
        calls = [self._calls(rows) for rows in chunks(calls_q)]
        batch = {name: np.concatenate([c[name] for c in calls]) if calls else np.empty(0, DTYPES[name])
                 for name in ("id", "started", *NUMBERS, *CALL_TEXTS)}
        ids = batch["id"]
        batch["callback"] = np.zeros(len(ids), np.int32)
        batch["callback_due"] = np.zeros(len(ids), np.int64)
        packed = np.zeros(len(ids), np.int64)
        if not len(ids):  # nothing changed: no need to ask for their callbacks and verdicts
            batch["verdicts"] = packed.astype(np.int32)
            return batch
        order = np.argsort(ids)
        ordered = ids[order]

        def rows_of(call_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """(rows of batch with these ids, which of call_ids are in batch)"""
            at = np.minimum(np.searchsorted(ordered, call_ids), len(ids) - 1)
            found = ordered[at] == call_ids
            return order[at[found]], found

        for rows in chunks(callbacks_q):  # a call has one callback at most
            if rows:
                cols = list(zip(*rows))
                where, found = rows_of(np.fromiter(cols[0], np.int64, len(rows)))
                batch["callback"][where] = self.texts["callback"].encode(cols[1])[found]
                batch["callback_due"][where] = np.fromiter(cols[2], np.int64, len(rows))[found]
        for rows in chunks(verdicts_q):
            if rows:
                cols = list(zip(*rows))
                where, found = rows_of(np.fromiter(cols[0], np.int64, len(rows)))
                packed[where] = np.fromiter(cols[1], np.int64, len(rows))[found]
        batch["verdicts"] = self.combos.codes(session, ids, packed)
        return batch

    def _calls(self, rows: Sequence) -> dict[str, np.ndarray]:
        k = len(rows)
        cols = list(zip(*rows)) if k else [()] * 11
        out = {"id": np.fromiter(cols[0], np.int64, k), "started": np.fromiter(cols[1], np.int64, k)}
        for i, name in enumerate(NUMBERS, start=2):
            out[name] = np.fromiter(cols[i], np.int32, k)
        for i, name in enumerate(CALL_TEXTS, start=5):
            out[name] = self.texts[name].encode(cols[i])
        return out

    def fill(self, batch: dict[str, np.ndarray]) -> None:
        """The first load: every call, in any order."""
        self._fit_codes()
        order = np.lexsort((batch["id"], batch["started"]))
        n = len(order)
        self._room(n)
        for name in COLUMNS:
            self.cols[name][:n] = batch[name][order]
        self.n = n
        if n:
            self.max_id = int(batch["id"].max())
            self._index_room(self.max_id)
            self.pos[self.cols["id"][:n]] = np.arange(n, dtype=np.int32)

    def changes(self, batch: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows of batch to write in place, rows to insert, frame rows they replace): rows
        that changed nothing are left out. Reads only, so no lock needed but the refresh's."""
        ids = batch["id"]
        known = ids < len(self.pos)
        pos = np.full(len(ids), -1, np.int64)
        pos[known] = self.pos[ids[known]]
        old = np.flatnonzero(pos >= 0)
        p = pos[old]
        differs = np.zeros(len(old), bool)
        for name in COLUMNS:
            differs |= self.cols[name][p] != batch[name][old]
        moved = differs & (self.cols["started"][p] != batch["started"][old])
        in_place = old[differs & ~moved]
        insert = np.concatenate([np.flatnonzero(pos < 0), old[moved]])
        return in_place, insert, p[moved]

    def apply(self, batch: dict[str, np.ndarray], in_place: np.ndarray, insert: np.ndarray,
              replaced: np.ndarray) -> None:
        """Write the changes (under the exclusive lock)."""
        self._fit_codes()
        if in_place.size:
            rows = self.pos[batch["id"][in_place]]
            for name in COLUMNS:
                self.cols[name][rows] = batch[name][in_place]
        if insert.size:
            self._insert({name: batch[name][insert] for name in COLUMNS}, np.sort(replaced))
        self.max_id = max(self.max_id, int(batch["id"].max()))

    def _insert(self, new: dict[str, np.ndarray], replaced: np.ndarray) -> None:
        """Insert rows (new calls, and calls whose start moved: their old rows `replaced` go),
        re-sorting the arrays from the first row concerned: appends, almost always."""
        n, started = self.n, self.cols["started"]
        first = int(np.searchsorted(started[:n], new["started"].min(), "left"))
        if replaced.size:
            first = min(first, int(replaced[0]))
        keep = np.ones(n - first, bool)
        keep[replaced - first] = False
        keep = first + np.flatnonzero(keep)
        tail = {name: np.concatenate([self.cols[name][keep], new[name]]) for name in COLUMNS}
        order = np.lexsort((tail["id"], tail["started"]))
        end = first + len(order)
        self._room(end)
        for name in COLUMNS:
            self.cols[name][first:end] = tail[name][order]
        self.n = end
        self._index_room(int(new["id"].max()))
        self.pos[self.cols["id"][first:end]] = np.arange(first, end, dtype=np.int32)

    def _room(self, n: int) -> None:
        if n <= len(self.cols["id"]):
            return
        cap = n + max(n // 8, 4096)
        for name, col in self.cols.items():
            grown = np.empty(cap, col.dtype)
            grown[:self.n] = col[:self.n]
            self.cols[name] = grown

    def _index_room(self, max_id: int) -> None:
        if max_id < len(self.pos):
            return
        grown = np.full(max_id + 1 + max(max_id // 8, 4096), -1, np.int32)
        grown[:len(self.pos)] = self.pos
        self.pos = grown

    def _fit_codes(self) -> None:
        """A text column with more values than its dtype holds is widened (never in practice)."""
        sizes = {name: len(t.values) for name, t in self.texts.items()} | {"verdicts": len(self.combos.index)}
        for name, size in sizes.items():
            if size > np.iinfo(self.cols[name].dtype).max:
                self.cols[name] = self.cols[name].astype(np.int32)


def load(session: Session) -> _Data:
    """Every call: three whole-table reads (calls, callbacks, verdicts), streamed."""
    data = _Data()
    data.watermark = _db_clock(session)
    data.fill(data.read(session))
    data.loaded_at = time.monotonic()
    return data


# -- the frame --------------------------------------------------------------------------

class _SharedLock:
    """Many readers or one writer; a writer waiting goes first, so reports can't starve it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Frame:
    """One database's call log in memory (see the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._refreshing = threading.Lock()  # one refresh at a time
        self._lock = _SharedLock()
        self._data: _Data | None = None
        self._reloading = False
        self.load_s: float | None = None  # how long the last whole load took

    @contextmanager
    def snapshot(self, session: Session, settings: Settings) -> Iterator[Snapshot]:
        """Refresh through this session, then the columns as of now, for the block's duration."""
        self.refresh(session, settings)
        with self._lock.shared():
            yield self._data.snapshot()

    def refresh(self, session: Session, settings: Settings) -> None:
        with self._refreshing:
            data = self._data
            if data is None:
                started = time.perf_counter()
                data = load(session)
                self.load_s = time.perf_counter() - started
                with self._lock.exclusive():
                    self._data = data
                return
            now = _db_clock(session)  # before the read: what commits after it, the next one sees
            since = data.watermark - timedelta(seconds=settings.report_frame_window_s)
            batch = data.read(session, {"max_id": data.max_id, "since": since})
            if len(batch["id"]):
                in_place, insert, replaced = data.changes(batch)
                if in_place.size or insert.size:
                    with self._lock.exclusive():
                        data.apply(batch, in_place, insert, replaced)
            data.watermark = now
            max_age = settings.report_frame_max_age_s
            if max_age and time.monotonic() - data.loaded_at > max_age and not self._reloading:
                self._reloading = True
                threading.Thread(target=self._reload, name="report-frame-reload", daemon=True).start()

    def _reload(self) -> None:
        """Load the whole log again beside the frame in use, then swap: the next refresh reads
        what changed during the load (the new data's watermark is from before it)."""
        try:
            engine = self._engine()
            if engine is None:
                return
            started = time.perf_counter()
            with Session(engine) as s, s.begin():
                data = load(s)
            with self._refreshing, self._lock.exclusive():
                self._data = data
            self.load_s = time.perf_counter() - started
        except Exception:  # noqa: BLE001 - the frame in use stays, and is tried again after max age
            log.exception("report frame: reloading the call log failed")
            if self._data is not None:
                self._data.loaded_at = time.monotonic()
        finally:
            self._reloading = False

    def memory_bytes(self) -> int:
        """The arrays' size (their buffers, room to grow included)."""
        data = self._data
        if data is None:
            return 0
        return sum(col.nbytes for col in data.cols.values()) + data.pos.nbytes + data.combos.matrix.nbytes


_frames: weakref.WeakKeyDictionary[Engine, Frame] = weakref.WeakKeyDictionary()
_frames_lock = threading.Lock()


def frame_for(session: Session) -> Frame:
    """The frame of the session's database (one per engine, made on first use)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    with _frames_lock:
        frame = _frames.get(engine)
        if frame is None:
            frame = _frames[engine] = Frame(engine)
        return frame


def warm(db, settings: Settings) -> None:
    """Load the frame of this Database now (the API's start, in a thread of its own), so that
    the first report does not wait for the whole log to be read."""
    try:
        with db.session() as s:
            frame_for(s).refresh(s, settings)
    except Exception:  # noqa: BLE001 - the first report loads it then (or answers 503)
        log.exception("report frame: the first load failed")
