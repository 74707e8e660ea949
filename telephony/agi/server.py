"""The FastAGI server: a pool of threads, one call each at a time, each request routed by path.

Routes are registered by name (`server.add_route("incoming", handler)`), the
way panoramisk and wazo-agid do it. A route that raises sets HOTLINE_AGI_ERROR
so the dialplan carries the call on to its fail-safe context.
"""
from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable

from asterisk.agi import AGIAppError, AGIHangup

from telephony.agi import variables as V
from telephony.agi.session import SocketAGI

log = logging.getLogger(__name__)

Route = Callable[[SocketAGI], None]
ACCEPT_RETRY_S = 0.1


class FastAGIServer(socketserver.TCPServer):
    """Connections are taken by a pool of threads, each blocked in accept() itself.

    A thread per connection (socketserver's ThreadingMixIn) made the accept loop wait for
    each new thread to start running; on a loaded machine, calls queued behind it and their
    greeting started seconds late (measured at 19 calls/s: up to 5.5 s, the caller's menu
    digit lost). A loop handing connections to a pool still took two wake-ups per
    connection; here the kernel hands each one to a waiting worker. More calls in Python at
    once than `workers` wait in the listen queue for a free one.
    """

    allow_reuse_address = True
    # socketserver listens with a backlog of 5. Asterisk gives a FastAGI connect 2 s
    # (MAX_AGI_CONNECT); a burst of calls beyond the backlog had its SYNs dropped, retried
    # after 1 s and 3 s, and went to the fail-safe. Measured: at 21 calls/s a third of
    # the calls did. The kernel completes handshakes for a queue this long by itself.
    request_queue_size = 1024

    def __init__(self, host: str, port: int, workers: int = 64):
        self.routes: dict[str, Route] = {}
        self._worker_count = workers
        self._workers: list[threading.Thread] = []
        self._running = threading.Event()
        self._closed = False
        super().__init__((host, port), _Handler)

    def add_route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="fastagi", daemon=True)
        thread.start()
        return thread

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Start the workers (once); return when shutdown() or server_close() is called."""
        if not self._workers:
            self._workers = [threading.Thread(target=self._work, name=f"agi-{i}", daemon=True)
                             for i in range(self._worker_count)]
            for worker in self._workers:
                worker.start()
        self._running.wait()

    def shutdown(self) -> None:
        self._running.set()

    def server_close(self) -> None:
        self._closed = True
        self._running.set()
        try:
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes every worker blocked in accept()
        except OSError:
            pass
        super().server_close()  # each worker ends after the call it has

    def _work(self) -> None:
        while not self._closed:
            try:
                request, client_address = self.get_request()
            except OSError as e:
                if not self._closed:
                    log.warning("FastAGI accept failed: %s", e)
                    time.sleep(ACCEPT_RETRY_S)  # e.g. out of file descriptors: not a busy loop
                continue
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - socketserver's own reporting; the worker lives on
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)


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
