"""GET /api/recordings/{token}: one call leg's WAV, for a user who may see the call.

Served with HTTP Range (Starlette's FileResponse), so an <audio> player can seek;
`?download=1` makes it an attachment. Every request served is written to
recording_access (who, when, which call and leg, play or download, from where)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from telephony.api.deps import CurrentUserDep, SessionDep, SettingsDep
from telephony.auth.recordings import find_recording, log_access
from telephony.auth.visibility import may_see
from telephony.db.models import Call

router = APIRouter(prefix="/api/recordings", tags=["recordings"])
WAV = "audio/wav"


@router.get("/{token}")
def get_recording(token: str, request: Request, session: SessionDep, settings: SettingsDep,
                  user: CurrentUserDep, download: bool = False) -> FileResponse:
    rec = find_recording(session, token)
    if rec is None:
        raise HTTPException(404, "no such recording")
    call = session.get(Call, rec.call_id)
    if call is None or not may_see(user, call):
        raise HTTPException(403, "this recording is of a call you may not see")
    path = Path(rec.path)
    where = f"the {rec.leg} leg of call {rec.call_id}"
    if not path.resolve().is_relative_to(settings.recordings_dir.resolve()):
        raise HTTPException(404, f"the recording of {where} is outside the recordings directory")
    if not path.is_file():
        raise HTTPException(404, f"the recording file of {where} is missing")
    log_access(session, user, rec, "download" if download else "play",
               request.client.host if request.client else None)
    return FileResponse(path, media_type=WAV, filename=f"call-{rec.call_id}-{rec.leg}.wav",
                        content_disposition_type="attachment" if download else "inline")
