"""GET /api/access-log: who played or downloaded which recording, newest first.

Admins see every entry, supervisors those of their departments' calls. Filters
`call_id`, `username`; paging with `limit` and `offset`."""
from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from telephony.api.deps import CurrentUserDep, SessionDep, SettingsDep
from telephony.auth.visibility import call_conditions
from telephony.db.models import Call, RecordingAccess
from telephony.reports.common import iso

router = APIRouter(prefix="/api/access-log", tags=["access"])
PAGE_MAX = 500


@router.get("")
def access_log(
    session: SessionDep, settings: SettingsDep, user: CurrentUserDep,
    call_id: int | None = None, username: str | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    q = (select(RecordingAccess).join(Call, Call.id == RecordingAccess.call_id)
         .where(*call_conditions(user)))
    if call_id is not None:
        q = q.where(RecordingAccess.call_id == call_id)
    if username is not None:
        q = q.where(RecordingAccess.username == username.strip().lower())
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = session.scalars(q.order_by(RecordingAccess.at.desc(), RecordingAccess.id.desc())
                           .limit(limit).offset(offset))
    tz = ZoneInfo(settings.timezone)
    return {"total": total, "limit": limit, "offset": offset, "items": [
        {"id": r.id, "at": iso(r.at, tz, "milliseconds"), "username": r.username, "call_id": r.call_id,
         "leg": r.leg, "action": r.action, "client": r.client} for r in rows]}
