"""Which calls a user may see, and whether residents' data is masked for them.

- admin: every call, residents' data masked (they manage users and settings; following
  up with residents is the supervisors' job).
- supervisor: the calls whose department is one of theirs, in full.
- agent: the calls they answered, residents' data masked.
"""
from __future__ import annotations

from sqlalchemy import false
from sqlalchemy.sql.elements import ColumnElement

from telephony.db.models import Call, User

SEES_RESIDENTS = ("supervisor",)  # the roles that see residents' names, numbers and units in full
DESK_ROLES = ("admin", "supervisor")  # the supervisors' desk: reports across agents, wallboard, access log


def call_conditions(user: User, table=Call) -> list[ColumnElement]:
    """WHERE clauses limiting a query on calls to what the user may see ([]: everything)."""
    if user.role == "admin":
        return []
    if user.role == "supervisor":
        return [table.department.in_(list(user.departments or []))] if user.departments else [false()]
    if user.role == "agent" and user.agent:
        return [table.agent == user.agent]
    return [false()]


def may_see(user: User, call: Call) -> bool:
    if user.role == "admin":
        return True
    if user.role == "supervisor":
        return call.department is not None and call.department in (user.departments or [])
    return user.role == "agent" and user.agent is not None and call.agent == user.agent


def masks_residents(user: User) -> bool:
    return user.role not in SEES_RESIDENTS


def out_of_scope(user: User, *, agent: str | None = None, department: str | None = None) -> str | None:
    """Why a filter asks for calls the user may not see (the API's 403), or None."""
    if user.role == "agent" and agent is not None and agent != user.agent:
        return "agents see only their own calls"
    if user.role == "supervisor" and department is not None and department not in (user.departments or []):
        return f"department {department!r} is not one of yours"
    return None


def report_limits(user: User) -> dict:
    """What a report must be limited to: Scope.make(..., **report_limits(user), ...) overrides."""
    if user.role == "admin":
        return {}
    if user.role == "supervisor":
        return {"departments": list(user.departments or [])}
    return {"agent": user.agent or ""}  # an agent: their own calls (no number: none)
