"""Users of the supervisors' desk: admin (manages users and settings), supervisor (audits the
calls of their departments), agent (sees the calls they answered). One set of rules for the
CLI, the API and the demo."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telephony.auth.passwords import burn_verify_time, hash_password, verify_password
from telephony.auth.sessions import revoke_all
from telephony.db.models import Agent, User

ROLES = ("admin", "supervisor", "agent")
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")  # fullmatch, after lower-casing
NAME_MAX = 100
UNSET = object()  # "leave as it is" for update_user's optional fields


class UserError(ValueError):
    """Bad input for a user, with a message fit for the person who typed it."""


class UserConflict(UserError):
    """Fine input that clashes with other users (a taken username or agent, the last admin)."""


def normal_username(username: str) -> str:
    return username.strip().lower()


def find_user(s: Session, username: str) -> User | None:
    return s.scalars(select(User).where(User.username == normal_username(username))).first()


def user_to_dict(user: User) -> dict:
    """The user as the API shows them (login, /me)."""
    return {"username": user.username, "name": user.name, "role": user.role,
            "departments": list(user.departments or []), "agent": user.agent}


def user_to_admin_dict(user: User) -> dict:
    """The user as the user list shows them to admins."""
    return {**user_to_dict(user), "active": user.active,
            "created_at": _aware(user.created_at).isoformat(timespec="seconds")}


def create_user(s: Session, *, username: str, role: str, password: str, departments: dict,
                password_min_length: int, name: str | None = None,
                user_departments: Iterable[str] = (), agent: str | None = None) -> User:
    """departments: the known ones (settings.departments); user_departments: the supervisor's."""
    username = normal_username(username)
    if not USERNAME_RE.fullmatch(username):
        raise UserError(f"username {username!r}: 1 to 40 of a-z, 0-9, '.', '_', '-', starting with a "
                        "letter or digit")
    if find_user(s, username) is not None:
        raise UserConflict(f"user {username} already exists")
    _check_password(password, password_min_length)
    user = User(username=username, name=_clean_name(name or username), role="", departments=[],
                agent=None, password_hash=hash_password(password), active=True,
                created_at=datetime.now(timezone.utc))
    _assign_role(s, user, role, list(user_departments), agent, departments)
    s.add(user)
    s.flush()
    return user


def update_user(s: Session, user: User, *, departments: dict, password_min_length: int,
                name=UNSET, role=UNSET, user_departments=UNSET, agent=UNSET, active=UNSET,
                password=UNSET) -> User:
    """Change what is given; a new password, a new role or a deactivation ends the user's
    open sessions."""
    ends_sessions = False
    if name is not UNSET:
        user.name = _clean_name(name)
    if password is not UNSET:
        _check_password(password, password_min_length)
        user.password_hash = hash_password(password)
        ends_sessions = True
    new_role = user.role if role is UNSET else role
    if (role, user_departments, agent) != (UNSET, UNSET, UNSET):
        new_departments = list(user.departments or []) if user_departments is UNSET else list(user_departments)
        new_agent = user.agent if agent is UNSET else agent
        if new_role != user.role:  # what belonged to the old role goes with it, unless given
            new_departments = [] if user_departments is UNSET else new_departments
            new_agent = None if agent is UNSET else new_agent
            ends_sessions = True
        if user.role == "admin" and new_role != "admin":
            _keep_an_admin(s, user)
        _assign_role(s, user, new_role, new_departments, new_agent, departments)
    if active is not UNSET and bool(active) != user.active:
        if not active and user.role == "admin":
            _keep_an_admin(s, user)
        user.active = bool(active)
        ends_sessions = ends_sessions or not user.active
    if ends_sessions:
        revoke_all(s, user.id)
    s.flush()
    return user


def authenticate(s: Session, username: str, password: str) -> User | None:
    """The active user with this username and password; None otherwise (whichever was wrong)."""
    user = find_user(s, username)
    if user is None:
        burn_verify_time(password)
        return None
    if not verify_password(password, user.password_hash) or not user.active:
        return None
    return user


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise UserError("name must not be empty")
    return name[:NAME_MAX]


def _check_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise UserError(f"password must have at least {min_length} characters")


def _assign_role(s: Session, user: User, role: str, user_departments: list[str], agent: str | None,
                 departments: dict) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "supervisor":
        if not user_departments:
            raise UserError("a supervisor needs at least one department")
        unknown = [d for d in user_departments if d not in departments]
        if unknown:
            raise UserError(f"unknown department {unknown[0]!r}; known: {', '.join(departments)}")
    elif user_departments:
        raise UserError("departments are for supervisors only")
    if role == "agent":
        if not agent:
            raise UserError("an agent user needs the agent's number (--agent)")
        if s.scalars(select(Agent.id).where(Agent.number == agent)).first() is None:
            raise UserError(f"no agent {agent}; add it first with `hotline agents add`")
        same_agent = select(User.username).where(User.agent == agent)
        if user.id is not None:
            same_agent = same_agent.where(User.id != user.id)
        if (other := s.scalars(same_agent).first()) is not None:
            raise UserConflict(f"agent {agent} already has a user ({other})")
    elif agent:
        raise UserError("an agent number is for role agent only")
    user.role = role
    user.departments = list(dict.fromkeys(user_departments)) if role == "supervisor" else []
    user.agent = agent if role == "agent" else None


def _keep_an_admin(s: Session, user: User) -> None:
    """Nobody could manage users any more: refused."""
    others = s.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True),
                                                        User.id != user.id))
    if not others:
        raise UserConflict("the last active admin can't be demoted or deactivated")


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
