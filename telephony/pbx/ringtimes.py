"""Exact rings-to-answer from Asterisk's own event timestamps (AMI).

For the agent who answered: ring_ms runs from their channel's Ringing state
(the phone's 180) to Up (its 200 OK); if a phone never sent 180, from the
moment Asterisk dialled it (DialBegin). AgentConnect ties that member channel
to the caller's channel.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from telephony.core.config import Settings
from telephony.pbx.ami import AmiClient, AmiError

log = logging.getLogger(__name__)
RINGING, UP = "5", "6"
KEEP_S = 3600.0  # forget answers no call-end asked for within an hour


@dataclass(frozen=True)
class Answer:
    agent: str
    ring_ms: int
    answered_at: float  # epoch seconds
    member_channel: str


class RingTracker:
    EVENTS = ("DialBegin", "Newstate", "AgentConnect", "Hangup")  # all that feed() looks at

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._dialled: dict[str, float] = {}
        self._ringing: dict[str, float] = {}
        self._up: dict[str, float] = {}
        self._answers: dict[str, tuple[float, Answer]] = {}

    def feed(self, event: dict[str, str]) -> None:
        name = event.get("Event")
        ts = float(event.get("Timestamp") or time.time())
        with self._lock:
            if name == "DialBegin" and event.get("DestUniqueid"):
                self._dialled.setdefault(event["DestUniqueid"], ts)
            elif name == "Newstate":
                uid, state = event.get("Uniqueid", ""), event.get("ChannelState")
                if state == RINGING:
                    self._ringing.setdefault(uid, ts)
                elif state == UP:
                    self._up.setdefault(uid, ts)
            elif name == "AgentConnect":
                member = event.get("DestUniqueid", "")
                start = self._ringing.get(member, self._dialled.get(member))
                up = self._up.get(member, ts)
                if start is not None:
                    answer = Answer(agent=event.get("MemberName", ""), ring_ms=round((up - start) * 1000),
                                    answered_at=up, member_channel=event.get("DestChannel", ""))
                    self._answers[event.get("Uniqueid", "")] = (time.monotonic(), answer)
                    self._lock.notify_all()
            elif name == "Hangup":
                uid = event.get("Uniqueid", "")
                for table in (self._dialled, self._ringing, self._up):
                    table.pop(uid, None)
                self._expire()

    def pop(self, caller_uniqueid: str, wait_s: float = 0.0) -> Answer | None:
        """The answer for this caller, waiting briefly for a late AgentConnect event."""
        deadline = time.monotonic() + wait_s
        with self._lock:
            while caller_uniqueid not in self._answers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._lock.wait(remaining)
            return self._answers.pop(caller_uniqueid)[1]

    def _expire(self) -> None:
        cutoff = time.monotonic() - KEEP_S
        for uid in [u for u, (t, _) in self._answers.items() if t < cutoff]:
            del self._answers[uid]

    def follow(self, settings: Settings, stop: threading.Event, also: tuple = ()) -> None:
        """Feed from AMI until stopped, reconnecting when Asterisk restarts.

        `also`: other consumers of the same events (objects with feed(event) and the
        EVENTS they look at).
        """
        while not stop.is_set():
            try:
                ami = AmiClient.for_settings(settings, timeout=2)
                ami.connect(events=True, only={*self.EVENTS, *(e for c in also for e in c.EVENTS)})
                log.info("following AMI events on port %d", settings.ami_port)
                try:
                    for event in _until(stop, ami):
                        self.feed(event)
                        for consumer in also:
                            consumer.feed(event)
                finally:
                    ami.close()
            except (OSError, AmiError) as e:
                log.debug("AMI not reachable (%s); retrying", e)
                stop.wait(1.0)


def _until(stop: threading.Event, ami: AmiClient):
    events = ami.events()
    while not stop.is_set():
        try:
            yield next(events)
        except TimeoutError:  # socket timeout: look at the stop flag again
            events = ami.events()
