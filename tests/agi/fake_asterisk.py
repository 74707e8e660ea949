"""Asterisk's side of one FastAGI connection, scripted, on 127.0.0.1.

Test-only. A FakeChannel answers the commands pyst2 sends the way res_agi in
Asterisk 22 does: arguments are split like res_agi's parse_args (quotes and
backslashes), STREAM FILE / GET DATA check their argument count and answer
with the digits the script says the caller pressed, EXEC Read plays its
prompts and sets its variable to them, GET / SET VARIABLE work
on the channel's variables. A caller hanging up between two commands is
announced with "HANGUP" on the socket, as res_agi does for FastAGI.
"""
from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import PurePosixPath

HOST = "127.0.0.1"
DEAD_REPLY = "511 Command Not Permitted on a dead channel or intercept routine"
# Commands Asterisk still runs once the channel is gone ("Runs Dead: Yes").
RUNS_DEAD = {"GET VARIABLE", "SET VARIABLE", "GET FULL VARIABLE", "VERBOSE"}


def agi_env(script: str = "incoming", *, uniqueid: str = "1795459077.2",
            callerid: str = "13800000001", calleridname: str = "unknown",
            channel: str = "PJSIP/anonymous-00000001", **extra: str) -> dict[str, str]:
    """The environment Asterisk 22 sends first on a FastAGI connection."""
    env = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://127.0.0.1:4573/{script}",
        "agi_channel": channel,
        "agi_language": "en",
        "agi_type": "PJSIP",
        "agi_uniqueid": uniqueid,
        "agi_version": "22.1.1",
        "agi_callerid": callerid,
        "agi_calleridname": calleridname,
        "agi_callingpres": "0",
        "agi_callingani2": "0",
        "agi_callington": "0",
        "agi_callingtns": "0",
        "agi_dnid": "8000",
        "agi_rdnis": "unknown",
        "agi_context": "hotline-resident",
        "agi_extension": "8000",
        "agi_priority": "6",
        "agi_enhanced": "0.0",
        "agi_accountcode": "",
        "agi_threadid": "139872516093632",
    }
    env.update(extra)
    return env


def env_bytes(env: dict[str, str] | bytes) -> bytes:
    if isinstance(env, bytes):
        return env
    return "".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n"


def parse_args(line: str) -> list[str]:
    """res_agi.c parse_args(): words split on blanks, "quotes" and \\escapes."""
    args: list[str] = []
    cur: list[str] | None = None
    quoted = escaped = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and cur is None:
                cur = []
                args.append("")
            escaped = False
            continue
        if ch in " \t" and not quoted and not escaped:
            if cur is not None:
                args[-1] = "".join(cur)
            cur = None
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        if cur is None:
            cur = []
            args.append("")
        cur.append(ch)
        escaped = False
    if cur is not None:
        args[-1] = "".join(cur)
    return args


class FakeChannel:
    """One caller's channel: its variables and what the caller keys in.

    keys maps a prompt's base name ("greeting", "menu", "unit_room") to what
    the caller presses while it plays, one entry per time it is played:
    a single digit for STREAM FILE, a digit string for GET DATA and Read ("" = timeout).
    """

    def __init__(self, variables: dict[str, str] | None = None,
                 keys: dict[str, Iterable[str]] | None = None,
                 hangup_before: int | None = None, hangup_during: str | None = None,
                 apps: Iterable[str] = ("Read",)):
        self.variables = dict(variables or {})
        self.keys = {name: deque(seq) for name, seq in (keys or {}).items()}
        self.hangup_before = hangup_before  # command index at which the caller is gone
        self.hangup_during = hangup_during  # a prompt the caller hangs up while hearing
        self.apps = {a.upper() for a in apps}  # applications loaded (modules.conf), for EXEC
        self.commands: list[list[str]] = []  # parsed arguments of every command received
        self.raw: list[str] = []  # the command lines as sent
        self.played: list[str] = []  # prompt base names, in order
        self.prompt_paths: list[str] = []  # full prompt paths as Asterisk understood them
        self.set_log: list[tuple[str, str]] = []  # every SET VARIABLE, in order
        self.dead = False
        self.answered = False  # ANSWER or Read came: the caller's phone got its 200 OK

    # -- what Asterisk answers ---------------------------------------------
    def reply(self, line: str) -> str:
        argv = parse_args(line)
        self.raw.append(line)
        self.commands.append(argv)
        name = " ".join(argv[:2]).upper()
        notice = ""
        if self.hangup_before is not None and len(self.commands) - 1 >= self.hangup_before:
            if not self.dead:
                notice = "HANGUP\n"  # res_agi run_agi(): FastAGI gets this instead of SIGHUP
            self.dead = True
        if self.dead and name not in RUNS_DEAD:
            return notice + DEAD_REPLY
        return notice + self._live(name, argv)

    def _live(self, name: str, argv: list[str]) -> str:
        if name == "ANSWER":
            self.answered = True
            return "200 result=0"
        if name == "GET VARIABLE":
            if len(argv) != 3:
                return _usage()
            value = self.variables.get(argv[2])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if name == "SET VARIABLE":
            if len(argv) < 4:
                return _usage()
            self.variables[argv[2]] = argv[3]
            self.set_log.append((argv[2], argv[3]))
            return "200 result=1"
        if name == "STREAM FILE":
            if not 4 <= len(argv) <= 5:
                return _usage()
            prompt = self._played(argv[2])
            if prompt == self.hangup_during:
                return self._hang_up("200 result=-1 endpos=4000")
            digit = self._next_key(prompt)
            if digit and digit in argv[3]:
                return f"200 result={ord(digit)} endpos=1234"
            return "200 result=0 endpos=16000"
        if name == "GET DATA":
            if len(argv) < 3:
                return _usage()
            prompt = self._played(argv[2])
            if prompt == self.hangup_during:
                return self._hang_up("200 result=-1")
            digits = self._next_key(prompt)
            if not digits:
                return "200 result= (timeout)"
            return f"200 result={digits}"
        if name.startswith("EXEC ") and argv[1].upper() not in self.apps:
            return "200 result=-2"  # res_agi: "Could not find application"
        if name == "EXEC READ":
            return self._read(argv[2] if len(argv) > 2 else "")
        return "510 Invalid or unknown command"

    def _read(self, arglist: str) -> str:
        """app_read: answer, play the &-joined prompts until a key comes, keep up to maxdigits
        of it ('#' ends the input), set the variable and READSTATUS."""
        variable, prompts, maxdigits, *_ = [*arglist.split(","), "", ""]
        if not variable or not prompts:
            return "200 result=-1"  # Read warns and fails without a variable
        self.answered = True
        key = ""
        for path in prompts.split("&"):
            prompt = self._played(path)
            if prompt == self.hangup_during:
                self.variables["READSTATUS"] = "HANGUP"
                return self._hang_up("200 result=-1")
            if key := self._next_key(prompt):
                break
        value = key.split("#", 1)[0]
        self.variables[variable] = value[:int(maxdigits)] if maxdigits.isdigit() and int(maxdigits) else value
        self.variables["READSTATUS"] = "OK" if key else "TIMEOUT"
        return "200 result=0"

    def _hang_up(self, reply: str) -> str:
        """The caller hung up while a prompt played: -1, then the FastAGI notice."""
        self.dead = True
        return reply + "\nHANGUP"

    def _played(self, path: str) -> str:
        self.prompt_paths.append(path)
        prompt = PurePosixPath(path).name
        self.played.append(prompt)
        return prompt

    def _next_key(self, prompt: str) -> str:
        queue = self.keys.get(prompt)
        return queue.popleft() if queue else ""

    # -- conveniences for assertions ------------------------------------------
    def sets(self, variable: str) -> list[str]:
        return [v for k, v in self.set_log if k == variable]


def _usage() -> str:
    return ("520-Invalid command syntax.  Proper usage follows:\n"
            "Usage: see 'agi show commands'\n"
            "520 End of proper usage.")


def play_call(port: int, env: dict[str, str] | bytes, channel: FakeChannel | None = None,
              timeout: float = 10.0) -> FakeChannel:
    """Connect like Asterisk's AGI(agi://...), answer every command until Python hangs up."""
    channel = channel or FakeChannel()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(env_bytes(env))
        buf = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break  # the route is done: Python closed the connection
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if line.strip():
                    sock.sendall((channel.reply(line) + "\n").encode())
    return channel


class running_server:
    """A real FastAGIServer on 127.0.0.1, an ephemeral port, serving in a thread."""

    def __init__(self, routes=None, own_thread: bool = False, workers: int = 64):
        from telephony.agi.server import FastAGIServer

        self.own_thread = own_thread  # True: the server's serve_in_thread(), as in production
        self.server = FastAGIServer(HOST, 0, workers=workers)
        for path, route in (routes or {}).items():
            self.server.add_route(path, route)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self):
        if self.own_thread:
            self.thread = self.server.serve_in_thread()
        else:  # same loop, polled often so that shutdown() is quick
            self.thread = threading.Thread(target=self.server.serve_forever,
                                           kwargs={"poll_interval": 0.02}, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def hotline_server(settings, db, rings=None) -> running_server:
    """The hotline's own routes (incoming, call-end) on a test server."""
    from telephony.agi.routes import CallRoutes
    from telephony.pbx.holds import HoldTracker
    from telephony.pbx.ringtimes import RingTracker

    srv = running_server()
    srv.rings = rings or RingTracker()
    srv.holds = HoldTracker()
    CallRoutes(settings, db, srv.rings, srv.holds).register(srv.server)
    return srv
