"""pyst2's AGI over a FastAGI socket.

pyst2's AGI constructor installs a SIGHUP handler (main thread only) and
writes every command to stderr; here each call runs in a worker thread, so we
skip the handler and send that chatter to a debug logger instead.
"""
from __future__ import annotations

import logging
import socket

from asterisk.agi import AGI

log = logging.getLogger("telephony.agi.wire")


class _DebugWriter:
    def write(self, text: str) -> None:
        if text.strip():
            log.debug(text.rstrip())

    def flush(self) -> None:
        pass


class SocketAGI(AGI):
    def __init__(self, conn: socket.socket):
        # Caller IDs may hold invalid UTF-8: decode leniently, never crash on it.
        self.stdin = conn.makefile("r", encoding="utf-8", errors="replace", newline="\n")
        self.stdout = conn.makefile("w", encoding="utf-8", newline="\n")
        self.stderr = _DebugWriter()
        self._got_sighup = False
        self.env: dict[str, str] = {}
        self._get_agi_env()

    @property
    def route(self) -> str:
        """The path of agi://host:port/ROUTE?args."""
        script = self.env.get("agi_network_script", "")
        return script.split("?", 1)[0].strip("/")

    def var(self, name: str) -> str:
        """A channel variable, '' when unset (pyst2 raises or returns '' variously)."""
        try:
            return self.get_variable(name) or ""
        except Exception:  # noqa: BLE001 - pyst2 signals "unset" in several ways
            return ""

    def close(self) -> None:
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:
                pass
