"""Keeps a WallboardState live: its own AMI connection, in a thread of the API process.

On every (re)connect the state is rebuilt from the QueueStatus action before live
events are applied, so nothing missed while Asterisk was away stays on the wall.
While Asterisk is unreachable the state says connected = false and the thread
retries with a doubling backoff.
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from telephony.core.config import Settings
from telephony.db.models import Agent
from telephony.db.session import Database
from telephony.pbx.ami import AmiClient, AmiError
from telephony.pbx.wallboard import EVENTS, RESYNC_COMPLETE, RESYNC_EVENTS, AgentInfo, WallboardState

log = logging.getLogger(__name__)
ROSTER_EVENTS = frozenset({"QueueMemberAdded", "QueueMemberRemoved"})  # `hotline agents add` reloads queues


def roster_from_db(db: Database) -> list[AgentInfo]:
    with db.session() as s:
        return [AgentInfo(a.number, a.name, a.department)
                for a in s.scalars(select(Agent).order_by(Agent.number))]


class WallboardFeed:
    def __init__(self, settings: Settings, db: Database, state: WallboardState) -> None:
        self.settings, self.db, self.state = settings, db, state

    def run(self, stop: threading.Event) -> None:
        """Until stopped: connect, resync, follow events; on any AMI failure, back off and retry."""
        backoff = self.settings.wallboard_reconnect_min_s
        self._refresh_agents()
        while not stop.is_set():
            try:
                ami = AmiClient.for_settings(self.settings, timeout=self.settings.wallboard_ami_poll_s)
                ami.connect(events=True, only=EVENTS | ROSTER_EVENTS)
                try:
                    self._refresh_agents()
                    live = self._resync(ami)
                    backoff = self.settings.wallboard_reconnect_min_s  # up again: the next outage starts short
                    log.info("wallboard: following AMI on port %d", self.settings.ami_port)
                    self._follow(ami, live, stop)
                finally:
                    ami.close()
            except (OSError, AmiError) as e:  # TimeoutError too: a silent Asterisk mid-resync
                log.debug("wallboard: AMI not reachable (%s); retrying in %.1fs", e, backoff)
            self.state.set_connected(False, time.time())
            stop.wait(backoff)
            backoff = min(backoff * 2, self.settings.wallboard_reconnect_max_s)

    def _follow(self, ami: AmiClient, live: list[dict[str, str]], stop: threading.Event) -> None:
        for event in live:
            self._apply(event)
        events = ami.events()
        while not stop.is_set():
            try:
                event = next(events)
            except TimeoutError:  # the poll interval: look at the stop flag again
                events = ami.events()
                continue
            self._apply(event)

    def _resync(self, ami: AmiClient) -> list[dict[str, str]]:
        """Rebuild the state from QueueStatus; returns the live events that came meanwhile."""
        reply = ami.action("QueueStatus")
        if reply.get("Response") != "Success":
            raise AmiError(f"QueueStatus refused: {reply.get('Message')}")
        dump, live = [], []
        for event in ami.events():  # a read timeout here raises: reconnect and try again
            name = event.get("Event")
            if name == RESYNC_COMPLETE:
                break
            (dump if name in RESYNC_EVENTS else live).append(event)
        self.state.resync(dump, time.time())
        return live

    def _apply(self, event: dict[str, str]) -> None:
        try:
            self.state.feed(event, time.time())
        except Exception:  # a bug on one odd event must not take the wall down for good
            log.exception("wallboard: event not applied: %r", event.get("Event"))
        if event.get("Event") in ROSTER_EVENTS:
            self._refresh_agents()

    def _refresh_agents(self) -> None:
        """Names and departments from the agents table; a database outage keeps the last ones."""
        try:
            self.state.set_agents(roster_from_db(self.db), time.time())
        except SQLAlchemyError as e:
            log.warning("wallboard: agents not read (%s); keeping the last list", e)
