"""The FastAGI server: one thread per call, each request routed by path.

Routes are registered by name (`server.add_route("incoming", handler)`), the
way panoramisk and wazo-agid do it. A route that raises sets HOTLINE_AGI_ERROR
so the dialplan carries the call on to its fail-safe context.
"""
from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Callable

from asterisk.agi import AGIAppError, AGIHangup

from telephony.agi import variables as V
from telephony.agi.session import SocketAGI

log = logging.getLogger(__name__)

Route = Callable[[SocketAGI], None]


class FastAGIServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5. Asterisk gives a FastAGI connect 2 s
    # (MAX_AGI_CONNECT); a burst of calls beyond the backlog had its SYNs dropped, retried
    # after 1 s and 3 s, and went to the fail-safe. Measured: at 21 calls/s a third of
    # the calls did. The kernel completes handshakes for a queue this long by itself.
    request_queue_size = 1024

    def __init__(self, host: str, port: int):
        self.routes: dict[str, Route] = {}
        super().__init__((host, port), _Handler)

    def add_route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="fastagi", daemon=True)
        thread.start()
        return thread


class _Handler(socketserver.BaseRequestHandler):
    server: FastAGIServer

    def handle(self) -> None:
        agi = SocketAGI(self.request)
        if not agi.env:  # a port probe, not Asterisk
            agi.close()
            return
        try:
            route = self.server.routes.get(agi.route)
            if route is None:
                raise LookupError(f"no AGI route {agi.route!r}")
            route(agi)
        except (AGIHangup, AGIAppError):  # the caller hung up mid-route: nothing to recover
            log.info("AGI route %r: channel %s hung up", agi.route, agi.env.get("agi_uniqueid"))
        except Exception as e:  # noqa: BLE001 - any failure must reach the fail-safe
            log.exception("AGI route %r failed on %s", agi.route, agi.env.get("agi_uniqueid"))
            try:
                agi.set_variable(V.AGI_ERROR, type(e).__name__)
            except Exception:  # noqa: BLE001 - the channel may be gone already
                pass
        finally:
            agi.close()
