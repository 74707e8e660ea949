"""pyst2's AGI over a FastAGI socket.

pyst2's AGI constructor installs a SIGHUP handler (main thread only) and
writes every command to stderr; here each call runs in a worker thread, so we
skip the handler and send that chatter to a debug logger instead.
"""
from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from asterisk.agi import AGI, DEFAULT_TIMEOUT, AGIError, AGISIGHUPHangup

log = logging.getLogger("telephony.agi.wire")


class _DebugWriter:
    def write(self, text: str) -> None:
        if text.strip():
            log.debug(text.rstrip())

    def flush(self) -> None:
        pass


class _SocketLines:
    """The socket's lines, read straight from recv() into one buffer.

    socket.makefile() built three stream objects (raw, buffered, text) for each direction
    and each connection: measured with py-spy --gil under calls, that was an eighth of the
    time the server held the interpreter lock. FastAGI has no SIGHUP: Asterisk writes
    "HANGUP" instead.
    """

    def __init__(self, conn: socket.socket, agi: "SocketAGI"):
        self._conn, self._agi, self._buf = conn, agi, b""

    def readline(self) -> str:
        while (end := self._buf.find(b"\n")) < 0:
            chunk = self._conn.recv(65536)
            if not chunk:  # Asterisk closed the connection: what is left, then "" as at a file's end
                line, self._buf = self._buf, b""
                return _text(line)
            self._buf += chunk
        line, self._buf = self._buf[:end + 1], self._buf[end + 1:]
        if line.strip() == b"HANGUP":
            self._agi._got_sighup = True  # pyst2 refuses every later command
            raise AGISIGHUPHangup("the channel hung up")
        return _text(line)

    def write(self, text: str) -> None:
        self._conn.sendall(text.encode("utf-8"))  # pyst2 writes each command whole, then flushes

    def flush(self) -> None:
        pass


class MissingApplication(AGIError):
    """EXEC named an application Asterisk has not loaded (modules.conf): not a hang-up,
    so the route fails and the dialplan goes fail-safe."""


def _text(line: bytes) -> str:
    # Caller IDs may hold invalid UTF-8: decode leniently, never crash on it.
    return line.decode("utf-8", "replace")


def _arg(text: str) -> str:
    """One argument for res_agi's parser: quoted, so blanks in paths survive."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class HotlineCommands:
    """What the routes use on top of pyst2's AGI, the same over a socket or stdin/stdout."""

    _after_send: Callable[[], None] | None = None

    def after_next_command(self, hook: Callable[[], None]) -> None:
        """Run hook once the next command is written, while Asterisk carries it out."""
        self._after_send = hook

    def send_command(self, command, *args):
        super().send_command(command, *args)
        hook, self._after_send = self._after_send, None
        if hook is not None:
            hook()

    def var(self, name: str) -> str:
        """A channel variable, '' when unset (pyst2 raises or returns '' variously)."""
        try:
            return self.get_variable(name) or ""
        except Exception:  # noqa: BLE001 - pyst2 signals "unset" in several ways
            return ""

    def args(self, names: tuple[str, ...]) -> dict[str, str]:
        """The AGI() arguments, named in the dialplan's order (agi_arg_1...); one the dialplan
        did not pass is asked for as a channel variable of that name."""
        return {name: self.env[key] if (key := f"agi_arg_{i}") in self.env else self.var(name)
                for i, name in enumerate(names, 1)}

    def read_digit(self, variable: str, prompts: list[str], timeout_s: float) -> str:
        """Play prompts in turn and take one digit, '' if none came before timeout_s after the last.

        One command, app_read, carried out by Asterisk alone: a digit pressed at any moment of
        it is kept, where one pressed between two AGI commands would be dropped. Read answers a
        channel that is still ringing. '#' ends it without a digit, as at GET DATA.
        """
        options = ",".join([variable, "&".join(prompts), "1", "", "1", f"{timeout_s:g}"])
        # A hang-up raises (result -1), as for STREAM FILE.
        if self.execute("EXEC", "Read", _arg(options))["result"][0] == "-2":
            raise MissingApplication("Read: app_read is not loaded")
        return self.var(variable)

    # pyst2 sends file names unquoted: a data dir with a blank would split them.
    def stream_file(self, filename, escape_digits="", sample_offset=0):
        return super().stream_file(_arg(filename), escape_digits, sample_offset)

    def get_data(self, filename, timeout=DEFAULT_TIMEOUT, max_digits=255):
        return super().get_data(_arg(filename), timeout, max_digits)


class SocketAGI(HotlineCommands, AGI):
    def __init__(self, conn: socket.socket):
        self.stdin = self.stdout = _SocketLines(conn, self)
        self.stderr = _DebugWriter()
        self._got_sighup = False
        self.env: dict[str, str] = {}
        self._get_agi_env()

    def _get_agi_env(self) -> None:
        """pyst2's, without its chatter: it pretty-printed the whole env on every call."""
        while line := self.stdin.readline().strip():
            key, _, value = line.partition(":")
            if key.strip():
                self.env[key.strip()] = value.strip()
        log.debug("AGI env: %s", self.env)

    @property
    def route(self) -> str:
        """The path of agi://host:port/ROUTE?args."""
        script = self.env.get("agi_network_script", "")
        return script.split("?", 1)[0].strip("/")

    def close(self) -> None:
        """Nothing to release: the socket is the server's to close (socketserver's shutdown_request)."""
