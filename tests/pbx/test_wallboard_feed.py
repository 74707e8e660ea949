"""WallboardFeed: its own AMI link, resync from QueueStatus on every (re)connect, backoff
while Asterisk is away. Against a fake manager interface on a real socket."""
from __future__ import annotations

import queue
import socket
import threading
import time

import pytest

from telephony.core.config import load_settings
from telephony.pbx.wallboard import WallboardState
from telephony.pbx.wallboard_feed import WallboardFeed

WAIT_S = 10.0  # a condition not reached within this has failed


def wire(fields: dict[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n"


def member(agent, queue_name, code):
    return {"Event": "QueueMember", "Queue": queue_name, "Name": agent, "Location": f"PJSIP/{agent}",
            "Status": str(code), "Paused": "0"}


def entry(uid, queue_name, position, wait):
    return {"Event": "QueueEntry", "Queue": queue_name, "Position": str(position), "Uniqueid": uid,
            "CallerIDNum": "13800000001", "Wait": str(wait)}


def join(uid, queue_name="dept-engineering", position=1):
    return {"Event": "QueueCallerJoin", "Privilege": "agent,all", "Timestamp": f"{time.time():.6f}",
            "Queue": queue_name, "Uniqueid": uid, "Position": str(position), "CallerIDNum": "13800000002"}


class FakeAmi:
    """Asterisk's manager interface as the feed uses it: Login, QueueStatus, then pushed events.

    `dump` is what QueueStatus answers; `during_dump` live events Asterisk sends while it
    answers (they arrive before QueueStatusComplete). stop() closes the port: "Asterisk away".
    """

    def __init__(self, dump=(), during_dump=(), port: int = 0):
        self.dump, self.during_dump = list(dump), list(during_dump)
        self.live: queue.Queue[dict[str, str] | None] = queue.Queue()
        self.logins = 0
        self.filters: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        try:
            conn.sendall(b"Asterisk Call Manager/11.0.0\r\n")
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                block, buf = buf.split(b"\r\n\r\n", 1)
                msg = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
                aid = msg.get("ActionID", "")
                if msg.get("Action") == "Login":
                    self.logins += 1
                    conn.sendall(wire({"Response": "Success", "ActionID": aid, "Message": "Authentication accepted"}))
                elif msg.get("Action") == "Filter":
                    self.filters.append(msg.get("Filter", ""))
                    conn.sendall(wire({"Response": "Success", "ActionID": aid, "Message": "Filter Added Successfully"}))
                elif msg.get("Action") == "QueueStatus":
                    conn.sendall(wire({"Response": "Success", "ActionID": aid, "EventList": "start"}))
                    for e in self.during_dump:
                        conn.sendall(wire(e))
                    for e in self.dump:
                        conn.sendall(wire({**e, "ActionID": aid}))
                    conn.sendall(wire({"Event": "QueueStatusComplete", "ActionID": aid, "EventList": "Complete"}))
                    self._push(conn)
                    return
        except OSError:
            return

    def _push(self, conn: socket.socket) -> None:
        while (event := self.live.get()) is not None:
            conn.sendall(wire(event))

    def stop(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        except OSError:
            pass
        self.sock.close()
        self.live.put(None)
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


def eventually(check, what: str):
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"not within {WAIT_S}s: {what}"
        time.sleep(0.02)


DUMP = [{"Event": "QueueParams", "Queue": "dept-engineering"}, {"Event": "QueueParams", "Queue": "dept-service"},
        member("1001", "dept-engineering", 1), entry("stale-soon", "dept-engineering", 1, 5)]


@pytest.fixture
def ami():
    server = FakeAmi(DUMP, during_dump=[join("joined-meanwhile", position=2)])
    yield server
    server.stop()


@pytest.fixture
def feed_settings(tmp_path, db_url, ami):
    return load_settings(data_dir=tmp_path / "data", database_url=db_url, ami_port=ami.port, ami_secret="s",
                         wallboard_ami_poll_s=0.2, wallboard_reconnect_min_s=0.05, wallboard_reconnect_max_s=0.2)


def engineering(board):
    return next(q for q in board.snapshot(time.time())["queues"] if q["queue"] == "dept-engineering")


def state_of(board, agent="1001"):
    return next(a for a in board.snapshot(time.time())["agents"] if a["agent"] == agent)["state"]


def test_resync_then_live_events_then_reconnect_after_an_outage(demo_db, feed_settings, ami):
    board, stop = WallboardState(feed_settings), threading.Event()
    thread = threading.Thread(target=WallboardFeed(feed_settings, demo_db, board).run, args=(stop,))
    thread.start()
    try:
        eventually(lambda: board.snapshot(time.time())["connected"], "connected")
        # names from the agents table; the dump's state, then the event that came meanwhile
        agents = board.snapshot(time.time())["agents"]
        assert [(a["agent"], a["name"]) for a in agents][:2] == [("1001", "王建国"), ("1002", "李秀英")]
        eventually(lambda: [w["uniqueid"] for w in engineering(board)["waiting"]] == ["stale-soon", "joined-meanwhile"],
                   "dump plus the event sent during it")
        assert state_of(board) == "ready"
        # Asterisk sends this session only the events the wallboard reads, each name whole.
        [wanted] = ami.filters
        assert wanted.startswith("Event: (") and wanted.endswith(")[[:cntrl:]]")
        names = set(wanted[len("Event: ("):-len(")[[:cntrl:]]")].split("|"))
        assert {"QueueCallerJoin", "AgentConnect", "QueueMemberStatus", "QueueMemberAdded"} <= names
        assert not names & {"Newexten", "VarSet", "RTCPSent", "Newchannel"}

        ami.live.put({"Event": "QueueMemberStatus", "Queue": "dept-engineering", "Interface": "PJSIP/1001",
                      "MemberName": "1001", "Status": "6", "Paused": "0"})
        eventually(lambda: state_of(board) == "ringing", "a live event applied")

        port, logins = ami.port, ami.logins
        ami.stop()  # Asterisk goes away
        eventually(lambda: not board.snapshot(time.time())["connected"], "connected: false")
        time.sleep(feed_settings.wallboard_reconnect_max_s * 2)  # refused retries meanwhile, backing off

        # ... and comes back with another truth
        back = FakeAmi([member("1001", "dept-engineering", 2), entry("new", "dept-engineering", 1, 3)], port=port)
        try:
            eventually(lambda: board.snapshot(time.time())["connected"], "reconnected")
            eventually(lambda: [w["uniqueid"] for w in engineering(board)["waiting"]] == ["new"],
                       "stale callers replaced")
            assert state_of(board) == "talking"
            assert back.logins == 1 and logins == 1
        finally:
            stop.set()
            thread.join(WAIT_S)
            back.stop()
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()
    assert board.snapshot(time.time())["connected"] is False


def test_members_added_refresh_the_agents_from_the_table(demo_db, feed_settings, ami):
    from telephony.directory import add_agent

    board, stop = WallboardState(feed_settings), threading.Event()
    thread = threading.Thread(target=WallboardFeed(feed_settings, demo_db, board).run, args=(stop,))
    thread.start()
    try:
        eventually(lambda: board.snapshot(time.time())["connected"], "connected")
        with demo_db.session() as s:  # what `hotline agents add` does, then Asterisk reloads its queues
            add_agent(s, number="1009", name="新同事", department="engineering", password="fresh-pass-9",
                      realm=feed_settings.sip_realm, departments=feed_settings.departments)
        ami.live.put({"Event": "QueueMemberAdded", "Queue": "dept-engineering", "Interface": "PJSIP/1009",
                      "MemberName": "1009", "Status": "1", "Paused": "0"})
        eventually(lambda: any(a["agent"] == "1009" for a in board.snapshot(time.time())["agents"]),
                   "the new agent listed")
        assert state_of(board, "1009") == "ready"
        assert next(a for a in board.snapshot(time.time())["agents"] if a["agent"] == "1009")["name"] == "新同事"
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()
