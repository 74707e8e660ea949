"""The AGI routes of one call: `incoming` (IVR, then the queue) and `call-end` (the log row)."""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TypeVar

from telephony.agi import variables as V
from telephony.agi.server import FastAGIServer
from telephony.agi.session import SocketAGI
from telephony.core.callerid import clean_text
from telephony.core.config import Settings
from telephony.db.session import Database
from telephony.directory import find_resident_by_phone
from telephony.ivr.flow import HotlineIVR
from telephony.logging import calllog
from telephony.logging.calllog import CallOutcome, answer_ms, epoch_to_utc
from telephony.pbx.holds import HoldTracker
from telephony.pbx.ringtimes import Answer, RingTracker

log = logging.getLogger(__name__)
T = TypeVar("T")


class CallRoutes:
    def __init__(self, settings: Settings, db: Database, rings: RingTracker,
                 holds: HoldTracker | None = None):
        self.settings, self.db, self.rings = settings, db, rings
        self.holds = holds or HoldTracker()
        # Rows opened while the greeting plays: each holds a database connection, so as many
        # at once as the database pool gives.
        self._background = ThreadPoolExecutor(settings.agi_db_pool_size, thread_name_prefix="calllog-open")

    def register(self, server: FastAGIServer) -> None:
        server.add_route("incoming", self.incoming)
        server.add_route("call-end", self.call_end)

    # -- 1. the call arrives: greeting, menu, caller and unit, then a queue ----
    def incoming(self, agi: SocketAGI) -> None:
        uniqueid = agi.env["agi_uniqueid"]
        invite_ts = agi.args(V.INCOMING_ARGS)[V.INVITE_TS]
        number = clean_text(_cid(agi.env.get("agi_callerid")), self.settings.caller_id_max_chars)
        cid_name = clean_text(_cid(agi.env.get("agi_calleridname")), self.settings.caller_id_max_chars)

        # The IVR's first command answers the call (the caller heard ringback until then) and
        # plays the greeting. The caller's row is opened (and the resident looked up) on the
        # background pool meanwhile, started once that command is on its way: nothing before
        # the first word waits for the database or for that thread.
        answered = time.time()
        opened = _Deferred(self._background, self._open_call, uniqueid, number, cid_name, invite_ts, answered)
        agi.after_next_command(opened.start)
        try:
            choice = HotlineIVR(agi, self.settings, self.db).run(
                opened.result, greeted=lambda: agi.set_variable(V.GREETED, "1"))
        finally:
            opened.result()  # the row exists before call-end looks for it, even after a hang-up

        with self.db.session() as s:
            calllog.record_choice(s, uniqueid, category=choice.category, urgency=choice.urgency,
                                  department=choice.department, unit=choice.unit)
        # Also in the CDR, so a call Python loses later can still be rebuilt with them.
        agi.set_variable("CDR(userfield)", f"{choice.category};{choice.department};{choice.unit or ''}")
        agi.stream_file(str(self.settings.prompts_dir / f"connect_{choice.department}"))
        agi.set_variable(V.QUEUE, self.settings.queue_name(choice.department))

    def _open_call(self, uniqueid: str, number: str | None, cid_name: str | None,
                   invite_ts: str, answered: float) -> str | None:
        """The call's log row; returns the unit of the resident the caller ID names, if any."""
        with self.db.session() as s:
            resident = find_resident_by_phone(s, number)
            calllog.record_arrival(
                s, uniqueid=uniqueid,
                started_at=epoch_to_utc(invite_ts) or datetime.now(timezone.utc),
                caller_number=number,
                caller_name=resident.name if resident else cid_name,
                resident_id=resident.id if resident else None,
                unit=resident.unit if resident else None,
                ivr_answer_ms=answer_ms(invite_ts, answered),
            )
            return resident.unit if resident else None

    # -- 2. the call ends (hangup handler): complete the row ------------------
    def call_end(self, agi: SocketAGI) -> None:
        uniqueid = agi.env["agi_uniqueid"]
        var = agi.args(V.CALL_END_ARGS)
        answer = self.rings.pop(uniqueid, wait_s=1.0)
        agent = var[V.MEMBERNAME] or (answer.agent if answer else "")
        rec_base = var[V.REC_BASE]
        message = var[V.MESSAGE]

        hangup_by = _hangup_by(var[V.HANGUP_SOURCE], agi.env.get("agi_channel", ""), agent, answer)
        if agent:
            disposition = "answered"
        elif message and os.path.exists(message):
            disposition = "voicemail"
        elif hangup_by == "caller":
            disposition = "abandoned"
        else:  # Asterisk ended it before anyone answered: an error, not the caller's choice
            disposition = "failed"

        recordings = {}
        if agent and rec_base:
            recordings = {leg: f"{rec_base}-{leg}.wav" for leg in ("caller", "agent", "mixed")}
        if disposition == "voicemail":
            recordings["caller"] = message

        outcome = CallOutcome(
            ended_at=epoch_to_utc(var[V.END_TS]) or datetime.now(timezone.utc),
            disposition=disposition,
            hangup_by=hangup_by,
            department=self.settings.department_of_queue(var[V.QUEUE]),
            agent=agent or None,
            answered_at=epoch_to_utc(answer.answered_at) if answer else None,
            ring_ms=answer.ring_ms if answer else None,
            queue_wait_ms=_int(var[V.QUEUEWAIT_MS]),
            talk_ms=_int(var[V.ANSWEREDTIME_MS]) if agent else None,
            recordings=recordings,
        )
        holds, transfers = self.holds.pop(uniqueid, ended=outcome.ended_at.timestamp())
        talk = {}
        if answer:  # seconds after answer: the recordings' own timeline
            talk = {"holds": [[round(a - answer.answered_at, 3), round(b - answer.answered_at, 3)]
                              for a, b in holds] or None,
                    "transfers": [round(t - answer.answered_at, 3) for t in transfers] or None}
        with self.db.session() as s:
            call = calllog.record_end(s, uniqueid, outcome, self.settings.ring_cadence_ms, **talk)
            if call is None:  # the incoming route never wrote it (DB was down then)
                return
            calllog.call_ended(s, call, self.settings)  # analysis queued, callbacks opened or settled


class _Deferred:
    """fn(*args) on the routes' background pool, from start(); result() waits for it
    (starting it if need be). A pool, not a thread per call: starting a thread costs the
    call's worker a wake-up and a GIL hand-over on a loaded machine."""

    def __init__(self, pool: Executor, fn: Callable[..., T], *args):
        self._pool, self._fn, self._args = pool, fn, args
        self._future: Future[T] | None = None
        self._started = threading.Lock()

    def start(self) -> None:
        if self._started.acquire(blocking=False):
            self._future = self._pool.submit(self._fn, *self._args)

    def result(self) -> T:
        self.start()
        assert self._future is not None
        return self._future.result()


def _cid(value: str | None) -> str | None:
    return None if value in (None, "", "unknown") else value


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _hangup_by(source: str, caller_channel: str, agent: str, answer: Answer | None) -> str:
    """Who hung up, from CHANNEL(hangupsource): empty means Asterisk itself."""
    if source and source == caller_channel:
        return "caller"
    if source and agent and (source == (answer.member_channel if answer else None)
                             or source.startswith(f"PJSIP/{agent}-")):
        return "agent"
    return "system"
