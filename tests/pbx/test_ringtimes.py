"""Rings-to-answer from AMI event timestamps (RingTracker)."""
from __future__ import annotations

import socket
import threading
import time

from telephony.core.config import load_settings, rings_for
from telephony.pbx.ringtimes import RingTracker

CALLER_UID, CALLER = "1795459077.2", "PJSIP/anonymous-00000001"


def dial(member_uid, ts, member="1001", caller_uid=CALLER_UID):
    return {"Event": "DialBegin", "Timestamp": f"{ts:.6f}", "Uniqueid": caller_uid, "Channel": CALLER,
            "DestUniqueid": member_uid, "DestChannel": f"PJSIP/{member}-{member_uid[-1]:0>8}"}


def state(member_uid, ts, code):
    return {"Event": "Newstate", "Timestamp": f"{ts:.6f}", "Uniqueid": member_uid,
            "ChannelState": code, "ChannelStateDesc": {"5": "Ringing", "6": "Up"}[code]}


def connect(member_uid, ts, member="1001", caller_uid=CALLER_UID):
    return {"Event": "AgentConnect", "Timestamp": f"{ts:.6f}", "Uniqueid": caller_uid, "Channel": CALLER,
            "DestUniqueid": member_uid, "DestChannel": f"PJSIP/{member}-{member_uid[-1]:0>8}",
            "MemberName": member, "Queue": "dept-engineering", "HoldTime": "7", "RingTime": "7"}


def hangup(uid, ts):
    return {"Event": "Hangup", "Timestamp": f"{ts:.6f}", "Uniqueid": uid, "Cause": "16"}


def feed(tracker, *events):
    for e in events:
        tracker.feed(e)


def test_ring_time_runs_from_ringing_to_up_of_the_member_channel():
    t = RingTracker()
    feed(t, state(CALLER_UID, 1795459077.6, "6"),  # the caller's own Answer(): not a ring
         dial("1795459084.3", 1795459084.20), state("1795459084.3", 1795459084.35, "5"),
         state("1795459084.3", 1795459091.15, "6"), connect("1795459084.3", 1795459091.16))
    a = t.pop(CALLER_UID)
    assert a is not None
    assert (a.agent, a.ring_ms, a.answered_at) == ("1001", 6800, 1795459091.15)
    assert a.member_channel == "PJSIP/1001-00000003"
    assert rings_for(a.ring_ms, 5000) == 2
    assert t.pop(CALLER_UID) is None  # popped once


def test_without_180_ringing_it_counts_from_dial_begin():
    t = RingTracker()
    feed(t, dial("1795459084.3", 1795459084.20), state("1795459084.3", 1795459086.70, "6"),
         connect("1795459084.3", 1795459086.71))
    assert t.pop(CALLER_UID).ring_ms == 2500


def test_without_an_up_state_the_connect_time_is_the_answer():
    t = RingTracker()
    feed(t, dial("1795459084.3", 100.0), state("1795459084.3", 100.5, "5"), connect("1795459084.3", 104.5))
    a = t.pop(CALLER_UID)
    assert (a.ring_ms, a.answered_at) == (4000, 104.5)


def test_repeated_ringing_keeps_the_first():
    t = RingTracker()
    feed(t, dial("m.1", 100.0), state("m.1", 100.2, "5"), state("m.1", 101.0, "5"),
         state("m.1", 103.2, "6"), connect("m.1", 103.3))
    assert t.pop(CALLER_UID).ring_ms == 3000


def test_only_the_member_who_answered_counts():
    """ringall: two phones ring; the one that rang longest isn't the one that answered."""
    t = RingTracker()
    feed(t, dial("m.1", 100.0, "1001"), dial("m.2", 100.0, "1005"),
         state("m.1", 100.1, "5"), state("m.2", 102.0, "5"),
         state("m.2", 103.0, "6"), connect("m.2", 103.01, "1005"), hangup("m.1", 103.02))
    a = t.pop(CALLER_UID)
    assert (a.agent, a.ring_ms) == ("1005", 1000)


def test_a_retry_counts_the_new_channel_only():
    t = RingTracker()
    feed(t, dial("m.1", 100.0), state("m.1", 100.1, "5"), hangup("m.1", 115.1),  # rang out
         dial("m.3", 116.1), state("m.3", 116.2, "5"), state("m.3", 119.2, "6"), connect("m.3", 119.25))
    assert t.pop(CALLER_UID).ring_ms == 3000


def test_hangup_forgets_a_member_channel():
    t = RingTracker()
    feed(t, dial("m.1", 100.0), state("m.1", 100.1, "5"), hangup("m.1", 101.0), connect("m.1", 101.1))
    assert t.pop(CALLER_UID) is None  # nothing known about m.1 any more: no made-up ring time


def test_two_calls_at_once_do_not_mix():
    t = RingTracker()
    feed(t, dial("m.1", 100.0, caller_uid="c.1"), dial("m.2", 100.5, "1002", caller_uid="c.2"),
         state("m.1", 100.1, "5"), state("m.2", 100.6, "5"),
         state("m.2", 101.6, "6"), connect("m.2", 101.7, "1002", caller_uid="c.2"),
         state("m.1", 111.1, "6"), connect("m.1", 111.2, caller_uid="c.1"))
    assert (t.pop("c.1").ring_ms, t.pop("c.2").ring_ms) == (11000, 1000)


def test_unrelated_events_are_ignored():
    t = RingTracker()
    feed(t, {"Event": "FullyBooted", "Status": "Fully Booted"},
         {"Event": "VarSet", "Timestamp": "100.0", "Uniqueid": "x", "Variable": "A", "Value": "1"},
         {"Event": "Newstate", "Timestamp": "100.0", "ChannelState": "4"},
         {"Event": "DialBegin", "Timestamp": "100.0", "Uniqueid": "c"})  # no destination
    assert t.pop(CALLER_UID) is None


def test_pop_waits_for_a_late_agent_connect():
    t = RingTracker()
    feed(t, dial("m.1", 100.0), state("m.1", 100.5, "5"), state("m.1", 102.5, "6"))
    late = threading.Timer(0.05, t.feed, args=(connect("m.1", 102.6),))
    start = time.monotonic()
    late.start()
    a = t.pop(CALLER_UID, wait_s=5.0)
    elapsed = time.monotonic() - start
    late.join()
    assert a is not None and a.ring_ms == 2000
    assert elapsed < 2.0  # woken by the event, not by the time limit


def test_pop_gives_up_after_its_wait():
    t = RingTracker()
    start = time.monotonic()
    assert t.pop(CALLER_UID, wait_s=0.1) is None
    assert 0.09 <= time.monotonic() - start < 2.0
    assert t.pop(CALLER_UID) is None  # no wait: at once


class FakeAmiEvents:
    """An AMI that accepts the login and an event filter, then streams the given events."""

    def __init__(self, events):
        self.events = events
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.login = None
        self.filter = None
        self.conn = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.conn = conn
        conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
        self.buf = b""
        msg = self.login = self._action(conn)
        if msg is None:
            return
        conn.sendall(f"Response: Success\r\nActionID: {msg.get('ActionID')}\r\n"
                     "Message: Authentication accepted\r\n\r\n".encode())
        conn.sendall(b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n")
        msg = self.filter = self._action(conn)  # the follower asks for its events only
        if msg is None:
            return
        conn.sendall(f"Response: Success\r\nActionID: {msg.get('ActionID')}\r\n"
                     "Message: Filter Added Successfully\r\n\r\n".encode())
        for e in self.events:
            conn.sendall(("".join(f"{k}: {v}\r\n" for k, v in e.items()) + "\r\n").encode())

    def _action(self, conn) -> dict | None:
        while b"\r\n\r\n" not in self.buf:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return dict(l.split(": ", 1) for l in raw.decode().split("\r\n") if ": " in l)

    def close(self):
        if self.conn:
            self.conn.close()
        self.sock.close()


def test_follow_feeds_the_tracker_from_ami(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    ami = FakeAmiEvents([dial("m.1", 100.0), state("m.1", 100.25, "5"), state("m.1", 104.75, "6"),
                         connect("m.1", 104.8)])
    settings.ami_port = ami.port
    t, stop = RingTracker(), threading.Event()
    follower = threading.Thread(target=t.follow, args=(settings, stop), daemon=True)
    follower.start()
    try:
        a = t.pop(CALLER_UID, wait_s=5.0)
        assert a is not None and (a.agent, a.ring_ms) == ("1001", 4500)
        assert ami.login["Action"] == "Login" and ami.login["Events"] == "on"
        assert ami.login["Username"] == settings.ami_user
        # Only the events the tracker reads, each name whole (Hangup, not HangupRequest).
        assert ami.filter["Action"] == "Filter" and ami.filter["Operation"] == "Add"
        assert ami.filter["Filter"] == "Event: (AgentConnect|DialBegin|Hangup|Newstate)[[:cntrl:]]"
    finally:
        stop.set()
        ami.close()
        follower.join(5)
    assert not follower.is_alive()
