"""GET /api/callbacks and POST /api/callbacks/{id}/done: the calls back owed to residents
whose calls were missed (telephony.logging.callbacks), for the supervisors' desk.

Supervisors see their departments' callbacks (a call missed before the menu chose a
department is reception's); admins see all, with residents' numbers masked as in the
call log."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import false, func, select

from telephony.api.deps import CurrentUserDep, SessionDep, SettingsDep
from telephony.auth.masking import mask_phone
from telephony.auth.visibility import masks_residents
from telephony.db.models import Call, Callback, User
from telephony.logging.callbacks import OPEN, is_overdue, mark_done
from telephony.logging.calllog import iso_time

router = APIRouter(prefix="/api/callbacks", tags=["callbacks"])
NOTE_MAX_CHARS = 2000


class Status(str, Enum):
    open = "open"
    done = "done"


class DoneBody(BaseModel):
    note: str | None = Field(None, max_length=NOTE_MAX_CHARS)


def _visible(user: User):
    """WHERE clauses: the callbacks this user may see."""
    if user.role == "admin":
        return []
    if user.role == "supervisor" and user.departments:
        return [Callback.department.in_(list(user.departments))]
    return [false()]


def _json(cb: Callback, call: Call, user: User, tz: ZoneInfo, now: datetime) -> dict:
    phone = mask_phone(cb.phone) if masks_residents(user) else cb.phone
    return {
        "id": cb.id, "call_id": cb.call_id, "phone": phone, "reason": cb.reason,
        "department": cb.department, "category": call.category, "urgency": call.urgency,
        "created_at": iso_time(cb.created_at, tz), "due_at": iso_time(cb.due_at, tz),
        "status": cb.status, "overdue": is_overdue(cb, now),
        "done_at": iso_time(cb.done_at, tz), "done_how": cb.done_how, "done_by": cb.done_by,
        "done_call_id": cb.done_call_id, "note": cb.note,
    }


@router.get("")
def list_callbacks(
    session: SessionDep, settings: SettingsDep, user: CurrentUserDep,
    status: Status | None = None, overdue: bool | None = None, department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """Oldest due first: the one to call now is at the top."""
    now = datetime.now(timezone.utc)
    q = select(Callback, Call).join(Call, Call.id == Callback.call_id).where(*_visible(user))
    if status is not None:
        q = q.where(Callback.status == status.value)
    if overdue is True:
        q = q.where(Callback.status == OPEN, Callback.due_at < now)
    elif overdue is False:
        q = q.where((Callback.status != OPEN) | (Callback.due_at >= now))
    if department is not None:
        q = q.where(Callback.department == department)
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = session.execute(q.order_by(Callback.due_at, Callback.id).limit(limit).offset(offset))
    tz = ZoneInfo(settings.timezone)
    return {"total": total, "limit": limit, "offset": offset, "as_of": iso_time(now, tz),
            "items": [_json(cb, call, user, tz, now) for cb, call in rows]}


@router.post("/{callback_id}/done")
def callback_done(callback_id: int, body: DoneBody, session: SessionDep, settings: SettingsDep,
                  user: CurrentUserDep) -> dict:
    """The resident was called back. Marking a done callback again changes nothing."""
    found = session.execute(select(Callback, Call).join(Call, Call.id == Callback.call_id)
                            .where(Callback.id == callback_id)).first()
    if found is None:
        raise HTTPException(404, f"no callback {callback_id}")
    cb, call = found
    if not session.scalar(select(func.count()).select_from(Callback)
                          .where(Callback.id == callback_id, *_visible(user))):
        raise HTTPException(403, f"callback {callback_id} is not one of the callbacks you may see")
    mark_done(cb, user.username, body.note)
    session.flush()
    now = datetime.now(timezone.utc)
    return _json(cb, call, user, ZoneInfo(settings.timezone), now)
