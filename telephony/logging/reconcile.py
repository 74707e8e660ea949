"""Rebuild calls Python missed, from Asterisk's own records.

If the FastAGI server was down or failed, the dialplan still routed the call;
its log row is then written (or completed) here from the CDR file
(cdr_custom's Master.csv) and queue_log. A call is touched only once Asterisk
no longer has its channel, and only if its row is missing or unfinished.
"""
from __future__ import annotations

import csv
import io
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from telephony.core.callerid import clean_text
from telephony.core.config import Settings
from telephony.db.models import Call
from telephony.db.session import Database
from telephony.directory import find_resident_by_phone
from telephony.logging import calllog
from telephony.logging.calllog import CallOutcome, epoch_to_utc
from telephony.pbx.ami import AmiClient, AmiError

log = logging.getLogger(__name__)

CDR_FIELDS = ("uniqueid", "linkedid", "src", "clid", "dst", "channel", "dstchannel", "start",
              "answer", "end", "disposition", "dcontext", "userfield")
RESIDENT_CHANNEL = "PJSIP/anonymous-"
# Under Asterisk's log dir (asterisk/cdr_custom.conf, asterisk/logger.conf).
CDR_FILE = Path("cdr-custom") / "Master.csv"
QUEUE_LOG_FILE = Path("queue_log")


@dataclass
class CallRecords:
    """Everything Asterisk wrote about one resident call."""

    uniqueid: str
    cdrs: list[dict[str, str]] = field(default_factory=list)
    queue_events: list[list[str]] = field(default_factory=list)  # [time, callid, queue, agent, event, data...]

    def event(self, name: str) -> list[str] | None:
        found = [e for e in self.queue_events if e[4] == name]
        return found[-1] if found else None


def parse_cdr_lines(text: str, into: dict[str, CallRecords]) -> None:
    """Add the resident calls' CDRs in `text` (whole lines only) to `into`."""
    for row in csv.reader(io.StringIO(text)):
        if len(row) != len(CDR_FIELDS):
            continue  # garbage, or a line cut by a crash with the next one run into it
        cdr = dict(zip(CDR_FIELDS, row))
        if not all(_is_epoch(cdr[t]) for t in ("start", "answer", "end")):
            continue
        # The resident's own channel: its uniqueid is the call's linkedid.
        if cdr["uniqueid"] == cdr["linkedid"] and cdr["channel"].startswith(RESIDENT_CHANNEL):
            into.setdefault(cdr["uniqueid"], CallRecords(cdr["uniqueid"])).cdrs.append(cdr)


def parse_queue_log_lines(text: str, into: dict[str, list[list[str]]]) -> None:
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) >= 5:
            into[parts[1]].append(parts)


def read_cdrs(path: Path) -> dict[str, CallRecords]:
    calls: dict[str, CallRecords] = {}
    parse_cdr_lines(FileTail(path).new_text(), calls)
    return calls


def read_queue_log(path: Path) -> dict[str, list[list[str]]]:
    events: dict[str, list[list[str]]] = defaultdict(list)
    parse_queue_log_lines(FileTail(path).new_text(), events)
    return events


class FileTail:
    """What was appended to a file since the last call, in whole lines only."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0

    def new_text(self) -> str:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return ""
        if size < self.offset:  # rotated or truncated: start again
            self.offset = 0
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1  # a last line without its newline is still being written
        self.offset += end
        return data[:end].decode("utf-8", "replace")


def _is_epoch(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def outcome_from_records(rec: CallRecords, settings: Settings) -> CallOutcome:
    ends = [float(c["end"]) for c in rec.cdrs if c["end"]]
    ended_at = epoch_to_utc(max(ends)) if ends else None
    connect, abandon = rec.event("CONNECT"), rec.event("ABANDON")
    enter = rec.event("ENTERQUEUE")
    department = settings.department_of_queue(enter[2] if enter else None)
    base = settings.recordings_dir / rec.uniqueid
    message = Path(f"{base}-message.wav")
    if connect:
        complete = rec.event("COMPLETEAGENT") or rec.event("COMPLETECALLER")
        hangup_by = {"COMPLETEAGENT": "agent", "COMPLETECALLER": "caller"}.get(complete[4]) if complete else None
        return CallOutcome(
            ended_at=ended_at, disposition="answered", hangup_by=hangup_by,
            department=settings.department_of_queue(connect[2]), agent=connect[3],
            answered_at=epoch_to_utc(connect[0]),
            # queue_log keeps whole seconds only: the live path (AMI) is exact.
            ring_ms=int(connect[7]) * 1000 if len(connect) > 7 and connect[7].isdigit() else None,
            queue_wait_ms=int(connect[5]) * 1000 if connect[5].isdigit() else None,
            talk_ms=int(complete[6]) * 1000 if complete and complete[6].isdigit() else None,
            recordings={leg: str(p) for leg in ("caller", "agent", "mixed")
                        if (p := Path(f"{base}-{leg}.wav")).exists()},
        )
    if message.exists():
        return CallOutcome(ended_at=ended_at, disposition="voicemail", hangup_by="caller",
                           department=department, recordings={"caller": str(message)})
    wait = abandon[7] if abandon and len(abandon) > 7 else ""
    return CallOutcome(ended_at=ended_at, disposition="abandoned",
                       hangup_by="caller" if abandon else None, department=department,
                       queue_wait_ms=int(wait) * 1000 if wait.isdigit() else None)


def _caller(clid: str) -> tuple[str | None, str | None]:
    """'"Name" <number>' -> (name, number)."""
    if "<" in clid and clid.endswith(">"):
        name, _, number = clid[:-1].rpartition("<")
        return name.strip().strip('"') or None, number or None
    return None, clid or None


class Reconciler:
    def __init__(self, settings: Settings, db: Database):
        self.settings, self.db = settings, db
        log_dir = settings.asterisk_dir / "log"
        self._cdrs = FileTail(log_dir / CDR_FILE)
        self._queue_log = FileTail(log_dir / QUEUE_LOG_FILE)
        self._unsettled: dict[str, CallRecords] = {}  # resident calls seen in the CDR file
        self._queue_events: dict[str, list[list[str]]] = defaultdict(list)

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.settings.reconcile_interval_s):
            try:
                self.reconcile_once()
            except (SQLAlchemyError, OSError) as e:  # database down: try again next round
                log.warning("reconcile postponed: %s", e)
            except Exception:  # noqa: BLE001 - the loop must outlive any surprise
                log.exception("reconcile round failed")

    def active_uniqueids(self) -> set[str] | None:
        """Channels Asterisk still has; None if it can't be asked (then wait)."""
        try:
            with AmiClient.for_settings(self.settings, timeout=3) as ami:
                out = ami.command("core show channels concise")
        except (OSError, AmiError):
            return None if self._asterisk_running() else set()
        return {line.split("!")[-1].strip() for line in out.splitlines() if "!" in line}

    def _asterisk_running(self) -> bool:
        return (self.settings.asterisk_dir / "run" / "asterisk.ctl").exists()

    def reconcile_once(self) -> int:
        parse_cdr_lines(self._cdrs.new_text(), self._unsettled)
        parse_queue_log_lines(self._queue_log.new_text(), self._queue_events)
        # Calls Python logged to the end are settled first: normally that is all of them, and
        # Asterisk is not asked about its channels at all (a listing of every call, each round).
        for uid in self._finished_in_log(list(self._unsettled)):
            self._settle(uid)
        if not self._unsettled:
            return 0
        active = self.active_uniqueids()
        if active is None:
            return 0
        rebuilt = 0
        for uid in [uid for uid in self._unsettled if uid not in active]:
            rec = self._unsettled[uid]
            rec.queue_events = self._queue_events.get(uid, [])
            try:
                self._rebuild(rec)
                rebuilt += 1
            except SQLAlchemyError:
                raise  # the database is down: keep the call for the next round
            except Exception:  # noqa: BLE001 - one bad record must not block the others
                log.exception("cannot rebuild call %s from its records", uid)
            self._settle(uid)
        return rebuilt

    def _settle(self, uid: str) -> None:
        del self._unsettled[uid]
        self._queue_events.pop(uid, None)

    def _finished_in_log(self, uniqueids: list[str]) -> set[str]:
        """The calls Python already logged to the end (one query per 500 calls)."""
        finished: set[str] = set()
        with self.db.session() as s:
            for i in range(0, len(uniqueids), 500):
                chunk = uniqueids[i:i + 500]
                finished.update(s.scalars(select(Call.uniqueid).where(
                    Call.uniqueid.in_(chunk), Call.ended_at.is_not(None))))
        return finished

    def _rebuild(self, rec: CallRecords) -> None:
        with self.db.session() as s:
            call = calllog.get_call(s, rec.uniqueid)
            first = min(rec.cdrs, key=lambda c: float(c["start"] or 0))
            if call is None:
                name, number = _caller(first["clid"])
                number = clean_text(number or first["src"], self.settings.caller_id_max_chars)
                resident = find_resident_by_phone(s, number)
                category, department, unit = (first["userfield"].split(";") + ["", "", ""])[:3]
                answered = first["answer"] and float(first["answer"]) > 0
                call = calllog.open_call(
                    s, uniqueid=rec.uniqueid, started_at=epoch_to_utc(first["start"]),
                    caller_number=number,
                    caller_name=resident.name if resident else clean_text(name, self.settings.caller_id_max_chars),
                    resident_id=resident.id if resident else None,
                    unit=unit or (resident.unit if resident else None),
                    category=category or None,
                    urgency=self.settings.categories[category].urgency if category in self.settings.categories else None,
                    department=department or None,
                    ivr_answer_ms=calllog.answer_ms(first["start"], first["answer"]) if answered else None,
                )
            calllog.finish_call(call, outcome_from_records(rec, self.settings), self.settings.ring_cadence_ms)
            call.source = "rebuilt"
            calllog.call_ended(s, call, self.settings)
        log.info("rebuilt call %s from CDR and queue_log", rec.uniqueid)
