"""GET/POST /api/users and PATCH /api/users/{username}: admins manage who signs in.

PATCH changes what it is given: name, role, departments, agent, active (false:
deactivated), password (a reset). A reset, a role change or a deactivation ends
the user's open sessions. Users are never deleted: the access log refers to them."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select

from telephony.api.deps import SessionDep, SettingsDep
from telephony.auth.users import (
    UNSET,
    UserConflict,
    UserError,
    create_user,
    find_user,
    update_user,
    user_to_admin_dict,
)
from telephony.db.models import User

router = APIRouter(prefix="/api/users", tags=["users"])


class NewUser(BaseModel):
    username: str
    role: str
    password: str
    name: str | None = None
    departments: list[str] = Field(default_factory=list)
    agent: str | None = None


class UserChange(BaseModel):
    name: str | None = None
    role: str | None = None
    departments: list[str] | None = None
    agent: str | None = None
    active: bool | None = None
    password: str | None = None


@router.get("")
def list_users(session: SessionDep) -> dict:
    users = session.scalars(select(User).order_by(User.username))
    return {"items": [user_to_admin_dict(u) for u in users]}


@router.post("", status_code=201)
def add_user(body: NewUser, session: SessionDep, settings: SettingsDep) -> dict:
    try:
        user = create_user(session, username=body.username, role=body.role, password=body.password,
                           name=body.name, user_departments=body.departments, agent=body.agent,
                           departments=settings.departments, password_min_length=settings.password_min_length)
    except UserError as e:
        raise HTTPException(409 if isinstance(e, UserConflict) else 422, str(e)) from None
    return user_to_admin_dict(user)


@router.patch("/{username}")
def change_user(username: str, body: UserChange, session: SessionDep, settings: SettingsDep) -> dict:
    user = find_user(session, username)
    if user is None:
        raise HTTPException(404, f"no user {username}")
    given = body.model_dump(exclude_unset=True)
    if any(given.get(k, UNSET) is None for k in ("name", "role", "departments", "active", "password")):
        raise HTTPException(422, "only agent may be null (no agent number)")
    try:
        update_user(session, user, departments=settings.departments,
                    password_min_length=settings.password_min_length,
                    name=given.get("name", UNSET), role=given.get("role", UNSET),
                    user_departments=given.get("departments", UNSET), agent=given.get("agent", UNSET),
                    active=given.get("active", UNSET), password=given.get("password", UNSET))
    except UserError as e:
        raise HTTPException(409 if isinstance(e, UserConflict) else 422, str(e)) from None
    return user_to_admin_dict(user)
