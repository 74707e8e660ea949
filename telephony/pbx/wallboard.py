"""The live wallboard's state: who waits in which queue, and what each agent is doing.

Pure: fed AMI event dicts (live events, and on each (re)connect the QueueStatus
dump through resync), it hands out snapshot(now) as the API's JSON. No sockets,
no database: the AMI connection is telephony/pbx/wallboard_feed.py, the agents'
names come in through set_agents. Thread-safe: one thread feeds, the API reads.

An agent's state combines two sources. app_queue's own call events (AgentCalled,
AgentConnect, AgentComplete...) say which queue's call rings or is connected.
The member's device state (QueueMember/QueueMemberStatus "Status") says whether
the phone is registered, ringing or busy at all, also for calls we learnt of
only through a resync.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from telephony.auth.masking import mask_phone
from telephony.core.callerid import phone_digits
from telephony.core.config import Settings

# Asterisk's device states (enum ast_device_state), as app_queue reports them in "Status".
UNKNOWN, NOT_INUSE, INUSE, BUSY, INVALID, UNAVAILABLE, RINGING, RINGINUSE, ONHOLD = range(9)
OFFLINE_STATUSES = frozenset({UNKNOWN, INVALID, UNAVAILABLE})
BUSY_STATUSES = frozenset({INUSE, BUSY, RINGINUSE, ONHOLD})

READY, RINGING_STATE, TALKING, PAUSED, OFFLINE = "ready", "ringing", "talking", "paused", "offline"

# The QueueStatus action's answer, one event per queue, member and waiting caller.
RESYNC_EVENTS = frozenset({"QueueParams", "QueueMember", "QueueEntry"})
RESYNC_COMPLETE = "QueueStatusComplete"


@dataclass(frozen=True)
class AgentInfo:
    number: str
    name: str
    department: str


@dataclass
class _Caller:
    position: int
    since: float  # epoch seconds
    caller: str | None  # already masked


@dataclass
class _Member:
    status: int
    paused: bool


@dataclass(frozen=True)
class _QueueCall:
    """A queue's call at an agent: ringing there, or connected."""
    caller_uid: str
    queue: str
    since: float


@dataclass
class _Tracked:
    state: str
    queue: str | None
    since: float


@dataclass
class _Agent:
    members: dict[str, _Member] = field(default_factory=dict)  # queue -> membership
    ringing: dict[str, _QueueCall] = field(default_factory=dict)  # caller uniqueid -> call
    talking: _QueueCall | None = None


class WallboardState:
    def __init__(self, settings: Settings) -> None:
        self._lock = threading.RLock()
        self._tz = ZoneInfo(settings.timezone)
        self._queues = [(settings.queue_name(key), key, dept) for key, dept in settings.departments.items()]
        self._waiting: dict[str, dict[str, _Caller]] = {q: {} for q, _, _ in self._queues}
        self._roster: dict[str, AgentInfo] = {}
        self._agents: dict[str, _Agent] = {}
        self._tracked: dict[str, _Tracked] = {}  # each agent's shown state, and since when
        self._connected = False
        self._version = 0
        self._touched: set[str] = set()  # agents the event being applied changed

    # -- what the feeder calls -------------------------------------------------------

    @property
    def version(self) -> int:
        """Goes up with every change a snapshot would show."""
        return self._version

    def set_agents(self, agents: Iterable[AgentInfo], now: float) -> None:
        roster = {a.number: a for a in agents}
        with self._lock:
            if roster != self._roster:  # refreshed on every reconnect: mostly the same list
                self._roster = roster
                self._changed(now)

    def set_connected(self, connected: bool, now: float) -> None:
        with self._lock:
            if connected != self._connected:
                self._connected = connected
                self._changed(now)

    def resync(self, events: Iterable[dict[str, str]], now: float) -> None:
        """Replace everything with QueueStatus's answer (QueueParams/QueueMember/QueueEntry)."""
        with self._lock:
            old_waiting = self._waiting
            self._waiting = {q: {} for q in self._waiting}
            self._agents = {}
            for event in filter(_well_formed, events):
                name = event["Event"]
                if name == "QueueMember":
                    self._set_member(event, location_key="Location", name_key="Name")
                elif name == "QueueEntry":
                    self._resync_entry(event, old_waiting, now)
            self._connected = True
            self._changed(now)

    def feed(self, event: dict[str, str], now: float) -> bool:
        """Apply one live AMI event; True when the wallboard changed. Anything unusable is ignored."""
        handler = _HANDLERS.get(event["Event"]) if _well_formed(event) else None
        if handler is None:
            return False
        ts = _timestamp(event, now)
        with self._lock:
            self._touched.clear()
            if not handler(self, event, ts):
                return False
            # Only the agents this event touched: with hundreds of agents, re-deriving all
            # of them on every event was most of the API's CPU under calls.
            self._changed(ts, self._touched)
            return True

    # -- what the API reads ------------------------------------------------------------

    def snapshot(self, now: float) -> dict:
        with self._lock:
            queues = [self._queue_json(q, key, dept, now) for q, key, dept in self._queues]
            agents = [self._agent_json(info) for _, info in sorted(self._roster.items())]
            return {"updated_at": self._iso(now), "connected": self._connected,
                    "queues": queues, "agents": agents}

    def _queue_json(self, queue: str, key: str, dept, now: float) -> dict:
        callers = sorted(self._waiting[queue].items(), key=lambda kv: (kv[1].position, kv[1].since))
        waiting = [{"uniqueid": uid, "position": c.position, "since": self._iso(c.since),
                    "wait_s": round(max(0.0, now - c.since), 3), "caller": c.caller} for uid, c in callers]
        ready = sum(1 for number, agent in self._agents.items()
                    if queue in agent.members and not agent.members[queue].paused
                    and self._tracked[number].state == READY)
        return {"queue": queue, "department": key, "name_zh": dept.name_zh, "name_en": dept.name_en,
                "waiting": waiting, "calls_waiting": len(waiting),
                "longest_wait_s": max((w["wait_s"] for w in waiting), default=None),
                "agents_ready": ready}

    def _agent_json(self, info: AgentInfo) -> dict:
        tracked = self._tracked[info.number]
        return {"agent": info.number, "name": info.name, "department": info.department,
                "state": tracked.state, "since": self._iso(tracked.since), "queue": tracked.queue}

    def _iso(self, epoch: float) -> str:
        return datetime.fromtimestamp(epoch, timezone.utc).astimezone(self._tz).isoformat(timespec="milliseconds")

    # -- deriving each agent's state -------------------------------------------------

    def _derive(self, number: str) -> tuple[str, str | None]:
        agent = self._agents.get(number)
        if agent is None or not agent.members:
            return OFFLINE, None  # in no queue: nobody can reach them through the hotline
        statuses = {m.status for m in agent.members.values()}
        if statuses <= OFFLINE_STATUSES:
            return OFFLINE, None
        if agent.talking is not None:
            return TALKING, agent.talking.queue
        if agent.ringing:
            first = min(agent.ringing.values(), key=lambda c: c.since)
            return RINGING_STATE, first.queue
        if statuses & BUSY_STATUSES:
            return TALKING, None  # a call we saw no AgentConnect for (e.g. from before a resync)
        if RINGING in statuses:
            return RINGING_STATE, None
        if all(m.paused for m in agent.members.values()):
            return PAUSED, None
        return READY, None

    def _changed(self, ts: float, numbers: Iterable[str] | None = None) -> None:
        """Something changed; re-derive these agents' states (all of them by default)."""
        self._version += 1
        if numbers is None:
            numbers = set(self._roster) | set(self._agents)
        else:
            numbers = [n for n in numbers if n in self._roster or n in self._agents]
        for number in numbers:
            state, queue = self._derive(number)
            tracked = self._tracked.get(number)
            if tracked is None or tracked.state != state:
                self._tracked[number] = _Tracked(state, queue, ts)
            else:
                tracked.queue = queue  # e.g. talking, and now we know which queue's call: same since

    # -- event handlers: each returns True if it changed anything ----------------------

    def _caller_join(self, event: dict[str, str], ts: float) -> bool:
        queue, uid = event.get("Queue"), event.get("Uniqueid")
        if queue not in self._waiting or not uid:
            return False
        callers = self._waiting[queue]
        callers.pop(uid, None)
        position = _int(event.get("Position")) or len(callers) + 1
        for c in callers.values():  # a caller with priority goes in ahead of others
            if c.position >= position:
                c.position += 1
        callers[uid] = _Caller(position, ts, _masked(event.get("CallerIDNum")))
        return True

    def _caller_leave(self, event: dict[str, str], ts: float) -> bool:
        queue, uid = event.get("Queue"), event.get("Uniqueid", "")
        changed = False
        for number, agent in self._agents.items():  # ringall: every phone stops ringing for this caller
            if (call := agent.ringing.get(uid)) is not None and call.queue == queue:
                del agent.ringing[uid]
                self._touched.add(number)
                changed = True
        left = self._waiting.get(queue, {}).pop(uid, None)
        if left is None:
            return changed  # QueueCallerAbandon comes before QueueCallerLeave: the second finds nothing
        for c in self._waiting[queue].values():
            if c.position > left.position:
                c.position -= 1
        return True

    def _agent_called(self, event: dict[str, str], ts: float) -> bool:
        agent, uid, queue = _agent_number(event), event.get("Uniqueid"), event.get("Queue")
        if agent is None or not uid or not queue:
            return False
        self._agents.setdefault(agent, _Agent()).ringing[uid] = _QueueCall(uid, queue, ts)
        self._touched.add(agent)
        return True

    def _agent_ring_stopped(self, event: dict[str, str], ts: float) -> bool:
        number = _agent_number(event) or ""
        agent = self._agents.get(number)
        self._touched.add(number)
        return agent is not None and agent.ringing.pop(event.get("Uniqueid", ""), None) is not None

    def _agent_connect(self, event: dict[str, str], ts: float) -> bool:
        number, uid, queue = _agent_number(event), event.get("Uniqueid"), event.get("Queue")
        if number is None or not uid or not queue:
            return False
        for other_number, other in self._agents.items():  # the others' phones stop ringing for this caller
            if other.ringing.pop(uid, None) is not None:
                self._touched.add(other_number)
        self._agents.setdefault(number, _Agent()).talking = _QueueCall(uid, queue, ts)
        self._touched.add(number)
        return True

    def _agent_complete(self, event: dict[str, str], ts: float) -> bool:
        number = _agent_number(event) or ""
        agent = self._agents.get(number)
        uid = event.get("Uniqueid", "")
        if agent is None:
            return False
        self._touched.add(number)
        changed = agent.ringing.pop(uid, None) is not None
        if agent.talking is not None and agent.talking.caller_uid == uid:
            agent.talking = None
            changed = True
        return changed

    def _member_update(self, event: dict[str, str], ts: float) -> bool:
        return self._set_member(event, location_key="Interface", name_key="MemberName")

    def _member_removed(self, event: dict[str, str], ts: float) -> bool:
        number = _agent_number(event) or ""
        agent = self._agents.get(number)
        self._touched.add(number)
        return agent is not None and agent.members.pop(event.get("Queue", ""), None) is not None

    def _set_member(self, event: dict[str, str], location_key: str, name_key: str) -> bool:
        number = _agent_number(event, location_key, name_key)
        status = _int(event.get("Status"))
        queue = event.get("Queue")
        if number is None or status is None or queue not in self._waiting:
            return False
        member = _Member(status=status, paused=event.get("Paused") == "1")
        agent = self._agents.setdefault(number, _Agent())
        if agent.members.get(queue) == member:
            return False
        agent.members[queue] = member
        self._touched.add(number)
        return True

    def _resync_entry(self, event: dict[str, str], old_waiting: dict[str, dict[str, _Caller]],
                      now: float) -> None:
        queue, uid = event.get("Queue"), event.get("Uniqueid")
        position, wait = _int(event.get("Position")), _int(event.get("Wait"))
        if queue not in self._waiting or not uid or position is None:
            return
        known = old_waiting.get(queue, {}).get(uid)
        # "Wait" is whole seconds: a caller we already knew keeps the exact join time.
        since = known.since if known is not None else now - (wait or 0)
        self._waiting[queue][uid] = _Caller(position, since, _masked(event.get("CallerIDNum")))


_HANDLERS = {
    "QueueCallerJoin": WallboardState._caller_join,
    "QueueCallerLeave": WallboardState._caller_leave,
    "QueueCallerAbandon": WallboardState._caller_leave,
    "AgentCalled": WallboardState._agent_called,
    "AgentRingNoAnswer": WallboardState._agent_ring_stopped,
    "AgentConnect": WallboardState._agent_connect,
    "AgentComplete": WallboardState._agent_complete,
    "AgentDump": WallboardState._agent_complete,  # the agent hung up before the caller was bridged
    "QueueMemberStatus": WallboardState._member_update,
    "QueueMemberAdded": WallboardState._member_update,
    "QueueMemberPause": WallboardState._member_update,
    "QueueMemberRemoved": WallboardState._member_removed,
}


# What the feed asks Asterisk for (an AMI Filter): a call makes a couple of hundred events, and
# the wallboard looks at these only. Action replies (the QueueStatus dump) are not filtered.
EVENTS = frozenset(_HANDLERS) | RESYNC_EVENTS | {RESYNC_COMPLETE}


def _well_formed(event: object) -> bool:
    """What AmiClient yields: a dict of strings with an Event name."""
    return (isinstance(event, dict) and isinstance(event.get("Event"), str)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in event.items()))


def _agent_number(event: dict[str, str], location_key: str = "Interface",
                  name_key: str = "MemberName") -> str | None:
    """The agent's number: from the member's interface (PJSIP/1001), else its member name."""
    interface = event.get(location_key) or ""
    tech, sep, resource = interface.partition("/")
    number = resource if sep and tech else event.get(name_key)
    return number or None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _timestamp(event: dict[str, str], now: float) -> float:
    """Asterisk's own event time (timestampevents = yes), else when we read it."""
    try:
        ts = float(event["Timestamp"])
        datetime.fromtimestamp(ts, timezone.utc)  # NaN or out of range: not a time
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return now
    return ts


def _masked(caller_number: str | None) -> str | None:
    """A phone number fit for a wall screen: 138****0001; none for '<unknown>' or 'anonymous'."""
    return mask_phone(phone_digits(caller_number))
