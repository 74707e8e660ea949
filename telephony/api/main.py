"""The API app; its lifespan also runs the reconciler that rebuilds missed calls."""
from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from telephony.api.routes import calls
from telephony.core.config import Settings
from telephony.db.session import Database


def create_app(settings: Settings, reconcile: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = threading.Event()
        if reconcile:
            from telephony.logging.reconcile import Reconciler

            thread = threading.Thread(target=Reconciler(settings, app.state.db).run, args=(stop,),
                                      name="reconcile", daemon=True)
            thread.start()
        yield
        stop.set()

    app = FastAPI(title="hotline", lifespan=lifespan)
    app.state.settings = settings
    app.state.db = Database(settings.db_url)
    app.include_router(calls.router)

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": "database unavailable"})

    return app
