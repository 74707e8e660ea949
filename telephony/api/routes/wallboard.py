"""GET /api/wallboard (a snapshot) and /api/wallboard/events (the same, live, as server-sent events).

The state is app.state.wallboard, kept live from AMI by telephony/pbx/wallboard_feed.py.
A stream is one coroutine per browser, no thread: it looks at the state's version every
`wallboard_coalesce_s`, so a burst of AMI events becomes one snapshot, and it ends
with the request (Starlette cancels it when the client goes away).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from telephony.api.deps import SessionDep, SettingsDep
from telephony.core.config import Settings
from telephony.pbx.wallboard import WallboardState

router = APIRouter(prefix="/api/wallboard", tags=["wallboard"])
KEEPALIVE = b": keep-alive\n\n"  # an SSE comment: EventSource ignores it, proxies see traffic


def get_wallboard(request: Request) -> WallboardState:
    return request.app.state.wallboard


WallboardDep = Annotated[WallboardState, Depends(get_wallboard)]


@router.get("")
def snapshot(wallboard: WallboardDep) -> dict:
    return wallboard.snapshot(time.time())


@router.get("/events")
def events(wallboard: WallboardDep, settings: SettingsDep, session: SessionDep) -> StreamingResponse:
    # The request's database session (sign-in used it: the same cached dependency) would stay
    # open, holding a pooled connection and a transaction, for as long as the stream runs.
    session.close()
    return StreamingResponse(_stream(wallboard, settings), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _stream(wallboard: WallboardState, settings: Settings) -> AsyncIterator[bytes]:
    sent = wallboard.version  # read before the snapshot: a change in between is sent again, never lost
    yield _snapshot_event(wallboard)
    quiet_since = time.monotonic()
    while True:
        await asyncio.sleep(settings.wallboard_coalesce_s)
        if wallboard.version != sent:
            sent = wallboard.version
            yield _snapshot_event(wallboard)
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= settings.wallboard_keepalive_s:
            yield KEEPALIVE
            quiet_since = time.monotonic()


def _snapshot_event(wallboard: WallboardState) -> bytes:
    data = json.dumps(wallboard.snapshot(time.time()), ensure_ascii=False, separators=(",", ":"))
    return f"event: snapshot\ndata: {data}\n\n".encode()
