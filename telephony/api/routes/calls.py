"""GET /api/calls and /api/calls/{id}: the call log."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select

from telephony.api.deps import SessionDep, SettingsDep
from telephony.db.models import Call
from telephony.logging.calllog import call_to_dict

router = APIRouter(prefix="/api/calls", tags=["calls"])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise HTTPException(422, "since/until need a time zone, e.g. 2026-11-23T08:00:00+08:00")
    return value.astimezone(timezone.utc)


@router.get("")
def list_calls(
    session: SessionDep,
    settings: SettingsDep,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    unit: str | None = None,
    agent: str | None = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    q = select(Call)
    if (t := _utc(since)) is not None:
        q = q.where(Call.started_at >= t)
    if (t := _utc(until)) is not None:
        q = q.where(Call.started_at < t)
    for column, value in ((Call.category, category), (Call.unit, unit), (Call.agent, agent),
                          (Call.department, department)):
        if value is not None:
            q = q.where(column == value)
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = session.scalars(q.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit).offset(offset))
    tz = ZoneInfo(settings.timezone)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [call_to_dict(c, tz) for c in rows]}


@router.get("/{call_id}")
def get_call(call_id: int, session: SessionDep, settings: SettingsDep) -> dict:
    call = session.get(Call, call_id)
    if call is None:
        raise HTTPException(404, f"no call {call_id}")
    return call_to_dict(call, ZoneInfo(settings.timezone))
