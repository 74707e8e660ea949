"""A small Asterisk Manager Interface client: actions, and a stream of events."""
from __future__ import annotations

import itertools
import socket
from collections.abc import Collection, Iterator

from telephony.core.config import Settings


class AmiError(RuntimeError):
    pass


class AmiClient:
    def __init__(self, host: str, port: int, user: str, secret: str, timeout: float = 10.0):
        self.host, self.port, self.user, self.secret, self.timeout = host, port, user, secret, timeout
        self._sock: socket.socket | None = None
        self._buf = b""
        self._ids = itertools.count(1)
        self._pending_events: list[dict[str, str]] = []

    @classmethod
    def for_settings(cls, settings: Settings, timeout: float = 10.0) -> "AmiClient":
        from telephony.pbx.render import ami_secret

        return cls(settings.bind_host, settings.ami_port, settings.ami_user, ami_secret(settings), timeout)

    def __enter__(self) -> "AmiClient":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self, events: bool = False, only: Collection[str] = ()) -> None:
        """Log in; with events, all of them, or `only` these (by name)."""
        self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self._read_line()  # "Asterisk Call Manager/x.y"
        reply = self.action("Login", Username=self.user, Secret=self.secret,
                            Events="on" if events else "off")
        if reply.get("Response") != "Success":
            raise AmiError(f"AMI login refused: {reply.get('Message')}")
        if events and only:
            # A call makes a couple of hundred events (every dialplan step, variable, RTCP
            # report...); Asterisk then sends this session only the named ones, which is all a
            # follower parses. The control character after the name ends it (Hangup, not
            # HangupRequest).
            names = "|".join(sorted(only))
            reply = self.action("Filter", Operation="Add", Filter=f"Event: ({names})[[:cntrl:]]")
            if reply.get("Response") != "Success":
                raise AmiError(f"AMI event filter refused: {reply.get('Message')}")

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._send({"Action": "Logoff"})
            except OSError:
                pass
            self._sock.close()
            self._sock = None

    def action(self, name: str, **fields: str) -> dict[str, str]:
        action_id = f"hotline-{next(self._ids)}"
        self._send({"Action": name, "ActionID": action_id, **fields})
        while True:
            msg = self._read_message()
            if msg.get("ActionID") == action_id and "Response" in msg:
                return msg
            if "Event" in msg:
                self._pending_events.append(msg)

    def command(self, cli: str) -> str:
        reply = self.action("Command", Command=cli)
        if reply.get("Response") not in ("Success", "Follows"):
            raise AmiError(f"{cli!r}: {reply.get('Message')}")
        return reply.get("Output", "")

    def events(self) -> Iterator[dict[str, str]]:
        """Blocks for the next event; the socket timeout ends the wait (None = forever)."""
        while True:
            while self._pending_events:
                yield self._pending_events.pop(0)
            msg = self._read_message()
            if "Event" in msg:
                yield msg

    # wire format: "Key: Value\r\n" lines, a blank line ends a message
    def _send(self, fields: dict[str, str]) -> None:
        assert self._sock is not None
        data = "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
        self._sock.sendall(data.encode())

    def _read_line(self) -> str:
        assert self._sock is not None
        while b"\r\n" not in self._buf:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise AmiError("AMI connection closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def _read_message(self) -> dict[str, str]:
        """One whole message; a timeout leaves the buffer intact for the next call."""
        assert self._sock is not None
        while True:
            self._buf = self._buf.lstrip(b"\r\n")
            if b"\r\n\r\n" in self._buf:
                break
            chunk = self._sock.recv(65536)
            if not chunk:
                raise AmiError("AMI connection closed")
            self._buf += chunk
        block, self._buf = self._buf.split(b"\r\n\r\n", 1)
        msg: dict[str, str] = {}
        for line in block.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            value = value.strip()
            if key in msg:  # repeated keys (Command "Output:" lines) accumulate
                msg[key] += "\n" + value
            else:
                msg[key] = value
        return msg


def reload_asterisk(settings: Settings, modules: tuple[str, ...] = ("res_pjsip.so", "app_queue.so")) -> bool:
    """Apply re-rendered config to a running instance; False when none is running."""
    try:
        with AmiClient.for_settings(settings, timeout=5) as ami:
            for module in modules:
                ami.command(f"module reload {module}")
    except OSError:
        return False
    return True
