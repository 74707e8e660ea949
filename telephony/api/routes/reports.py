"""GET /api/reports/answer-time, /compliance and /volume: the supervisors' reports.

Common parameters: `since`, `until` (ISO 8601 with a time zone; since
inclusive, until exclusive), `group_by` (agent, department, hour, day,
category, building; hour and day in the `timezone` setting; none: one total
row), the filters `agent`, `department`, `category`, and `format` (json, or
csv: the rows with a header row, the same columns as the JSON rows).

A supervisor's reports cover their departments' calls, an agent's their own calls
(telephony.auth.visibility.report_limits); a filter outside that is 403.
"""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Callable

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from telephony.api.deps import CurrentUserDep, SessionDep, SettingsDep
from telephony.auth.visibility import out_of_scope, report_limits
from telephony.reports import (
    ReportError,
    Scope,
    answer_time_report,
    compliance_report,
    to_csv,
    volume_report,
)

router = APIRouter(prefix="/api/reports", tags=["reports"])


class GroupBy(str, Enum):
    agent = "agent"
    department = "department"
    hour = "hour"
    day = "day"
    category = "category"
    building = "building"


class Format(str, Enum):
    json = "json"
    csv = "csv"


class Part(str, Enum):
    rows = "rows"
    failures = "failures"


def _scope(settings, user, since, until, group_by, agent, department, category) -> Scope:
    if (why := out_of_scope(user, agent=agent, department=department)) is not None:
        raise HTTPException(403, why)
    filters = {"agent": agent, "department": department, "category": category, **report_limits(user)}
    try:
        return Scope.make(settings.timezone, since, until, group_by.value if group_by else None, **filters)
    except ReportError as e:
        raise HTTPException(422, str(e)) from None


def _respond(report: dict[str, Any], fmt: Format, columns_key: str = "columns",
             rows_key: str = "rows") -> Any:
    if fmt is Format.json:  # plain JSON types already: jsonable_encoder would cost ~70 ms for 365 rows
        return JSONResponse(report)
    name = report["report"] + (f"-{report['group_by']}" if report["group_by"] else "")
    if rows_key != "rows":
        name += f"-{rows_key}"
    return Response(to_csv(report[columns_key], report[rows_key]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _run(session, settings, user, build: Callable, since, until, group_by, agent, department, category,
         **kwargs) -> dict[str, Any]:
    scope = _scope(settings, user, since, until, group_by, agent, department, category)
    return build(session, settings, scope, **kwargs)


@router.get("/answer-time")
def answer_time(
    session: SessionDep, settings: SettingsDep, user: CurrentUserDep,
    since: datetime | None = None, until: datetime | None = None, group_by: GroupBy | None = None,
    agent: str | None = None, department: str | None = None, category: str | None = None,
    format: Format = Format.json,
):
    """Offered, answered within 1/2/3/more rings, service levels, ring and queue-wait times."""
    report = _run(session, settings, user, answer_time_report, since, until, group_by, agent, department, category)
    return _respond(report, format)


@router.get("/compliance")
def compliance(
    session: SessionDep, settings: SettingsDep, user: CurrentUserDep,
    since: datetime | None = None, until: datetime | None = None, group_by: GroupBy | None = None,
    agent: str | None = None, department: str | None = None, category: str | None = None,
    failures_limit: Annotated[int, Query(ge=0, le=1000)] = 50,
    format: Format = Format.json, part: Part = Part.rows,
):
    """The audit's verdicts per rule and group, and the newest failing calls.
    With format=csv, part=failures gives the failing calls instead of the rows."""
    report = _run(session, settings, user, compliance_report, since, until, group_by, agent, department, category,
                  failures_limit=failures_limit)
    if part is Part.failures:
        return _respond(report, format, "failure_columns", "failures")
    return _respond(report, format)


@router.get("/volume")
def volume(
    session: SessionDep, settings: SettingsDep, user: CurrentUserDep,
    since: datetime | None = None, until: datetime | None = None, group_by: GroupBy | None = None,
    agent: str | None = None, department: str | None = None, category: str | None = None,
    format: Format = Format.json,
):
    """Calls, by category, emergencies; callbacks not available yet (null, with a note)."""
    report = _run(session, settings, user, volume_report, since, until, group_by, agent, department, category)
    return _respond(report, format)
