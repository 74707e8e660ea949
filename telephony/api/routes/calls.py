"""GET /api/calls and /api/calls/{id}: the call log."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import exists, func, select

from telephony.api.call_json import calls_json
from telephony.api.deps import CurrentUserDep, SessionDep, SettingsDep, VisibleCallDep
from telephony.audit.model import VERDICTS
from telephony.audit.rules import RULES
from telephony.db.models import AuditVerdict, Call
from telephony.auth.visibility import call_conditions, masks_residents, out_of_scope

router = APIRouter(prefix="/api/calls", tags=["calls"])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise HTTPException(422, "since/until need a time zone, e.g. 2026-11-23T08:00:00+08:00")
    return value.astimezone(timezone.utc)


def _verdict_condition(value: str):
    """`rule:verdict` (greeting:fail), `any:fail` (some rule failed) or `none` (answered, not
    audited yet)."""
    if value == "none":
        return (Call.disposition == "answered") & ~exists().where(AuditVerdict.call_id == Call.id)
    rule, _, verdict = value.partition(":")
    if (rule not in RULES and rule != "any") or verdict not in VERDICTS:
        raise HTTPException(422, f"verdict {value!r}: want <rule>:<{'|'.join(VERDICTS)}> "
                                 f"(rule one of {', '.join(RULES)} or any), or none")
    match = exists().where(AuditVerdict.call_id == Call.id, AuditVerdict.verdict == verdict)
    return match if rule == "any" else match.where(AuditVerdict.rule == rule)


@router.get("")
def list_calls(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUserDep,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    unit: str | None = None,
    agent: str | None = None,
    department: str | None = None,
    verdict: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    if unit is not None and masks_residents(user):  # the answer would tell whose unit a call came from
        raise HTTPException(403, "filtering by unit is for supervisors only")
    if (why := out_of_scope(user, agent=agent, department=department)) is not None:
        raise HTTPException(403, why)
    q = select(Call).where(*call_conditions(user))  # only the calls this user may see
    if (t := _utc(since)) is not None:
        q = q.where(Call.started_at >= t)
    if (t := _utc(until)) is not None:
        q = q.where(Call.started_at < t)
    for column, value in ((Call.category, category), (Call.unit, unit), (Call.agent, agent),
                          (Call.department, department)):
        if value is not None:
            q = q.where(column == value)
    for value in verdict or ():  # several: all of them
        q = q.where(_verdict_condition(value))
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = list(session.scalars(q.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit).offset(offset)))
    return {"total": total, "limit": limit, "offset": offset,
            "items": calls_json(session, user, rows, ZoneInfo(settings.timezone))}


@router.get("/{call_id}")
def get_call(call: VisibleCallDep, session: SessionDep, settings: SettingsDep, user: CurrentUserDep) -> dict:
    return calls_json(session, user, [call], ZoneInfo(settings.timezone))[0]
