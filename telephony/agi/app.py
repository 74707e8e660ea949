"""`hotline agi`: the FastAGI server and the AMI follower that times the rings."""
from __future__ import annotations

import logging
import os
import signal
import threading

from telephony.agi.routes import CallRoutes
from telephony.agi.server import FastAGIServer
from telephony.core.config import Settings
from telephony.db.session import Database
from telephony.pbx.holds import HoldTracker
from telephony.pbx.ringtimes import RingTracker

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    set_niceness(settings.agi_nice)  # first: the threads started below inherit it
    db = Database(settings.db_url, pool_size=settings.agi_db_pool_size,
                  max_overflow=settings.agi_db_max_overflow)
    rings, holds = RingTracker(), HoldTracker()
    stop = threading.Event()
    server = FastAGIServer(settings.bind_host, settings.agi_port, workers=settings.agi_workers)
    CallRoutes(settings, db, rings, holds).register(server)

    threading.Thread(target=rings.follow, args=(settings, stop, (holds,)), name="ami", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.serve_in_thread()
    log.info("FastAGI listening on %s:%d", settings.bind_host, settings.agi_port)
    stop.wait()
    server.shutdown()
    server.server_close()


def set_niceness(nice: int) -> bool:
    """This thread's niceness (Linux: per thread, inherited by the threads it starts)."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError as e:  # not permitted: run on at the niceness we have
        log.warning("FastAGI: niceness %d not set (%s); it stays %d", nice, e, os.getpriority(os.PRIO_PROCESS, 0))
        return False
    return True
