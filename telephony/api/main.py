"""The API app; its lifespan also runs the reconciler (calls Python missed) and the
embedded analysis workers (transcription and audit) and the wallboard's AMI follower."""
from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from telephony.analysis.worker import AnalysisWorker
from telephony.api.access import ADMINS, DESK, SIGNED_IN, check_protected
from telephony.api.routes import (
    access_log,
    analysis,
    auth,
    callbacks,
    calls,
    meta,
    recordings,
    reports,
    users,
    wallboard,
)
from telephony.auth.throttle import LoginThrottle
from telephony.core.config import Settings
from telephony.db.session import Database
from telephony.logging.reconcile import Reconciler
from telephony.pbx.wallboard import WallboardState
from telephony.pbx.wallboard_feed import WallboardFeed
from telephony.reports.frame import warm as warm_report_frame
from telephony.web import mount_web


def create_app(settings: Settings, background: bool = True) -> FastAPI:
    """background=False: the API alone, without the reconciler and the analysis workers."""
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = threading.Event()
        if background:
            threading.Thread(target=Reconciler(settings, app.state.db).run, args=(stop,),
                             name="reconcile", daemon=True).start()
            threading.Thread(target=WallboardFeed(settings, app.state.db, app.state.wallboard).run,
                             args=(stop,), name="wallboard", daemon=True).start()
            # the reports' in-memory call log: read now, not by the first report (seconds at 1M calls)
            threading.Thread(target=warm_report_frame, args=(app.state.db, settings),
                             name="report-frame", daemon=True).start()
        for i in range(settings.analysis_workers if background else 0):
            worker = AnalysisWorker(settings, app.state.db)  # the embedded worker(s)
            threading.Thread(target=worker.run, args=(stop,), name=f"analysis-{i}", daemon=True).start()
        yield
        stop.set()

    app = FastAPI(title="hotline", lifespan=lifespan)
    app.state.settings = settings
    app.state.db = Database(settings.db_url)
    app.state.login_throttle = LoginThrottle(settings.login_max_failures, settings.login_failure_window_s)
    app.state.wallboard = WallboardState(settings)  # fed from AMI by the lifespan's thread
    # Every /api router is included with SIGNED_IN, DESK (admins and supervisors: the
    # wallboard too) or ADMINS; check_protected below refuses to start otherwise.
    app.include_router(auth.router)  # login is public; logout and me need the user themselves
    app.include_router(calls.router, dependencies=SIGNED_IN)
    app.include_router(analysis.router, dependencies=SIGNED_IN)
    app.include_router(reports.router, dependencies=SIGNED_IN)
    app.include_router(recordings.router, dependencies=SIGNED_IN)  # each call checked as for /api/calls/{id}
    app.include_router(access_log.router, dependencies=DESK)
    app.include_router(users.router, dependencies=ADMINS)
    app.include_router(callbacks.router, dependencies=DESK)  # supervisors follow up with residents
    app.include_router(meta.router, dependencies=SIGNED_IN)  # names for the web page
    app.include_router(wallboard.router, dependencies=DESK)

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": "database unavailable"})

    mount_web(app)  # the supervisors' page: / and /static/
    check_protected(app)
    return app
