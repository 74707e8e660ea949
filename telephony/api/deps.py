"""FastAPI dependencies: the instance's settings, a database session, the signed-in user."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from telephony.auth.sessions import user_for_token
from telephony.auth.visibility import may_see
from telephony.core.config import Settings
from telephony.db.models import Call, User
from telephony.db.session import Database

SESSION_COOKIE = "hotline_token"  # for <audio src> and EventSource, which can't send headers


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    db: Database = request.app.state.db
    with db.session() as s:
        yield s


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the session commits before the response is sent, not after (FastAPI's
# default), so a client's next request sees what this one wrote (a new login's token).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False)
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)


def request_token(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str | None:
    """The request's token: `Authorization: Bearer …` first, else the cookie."""
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return cookie or None


TokenDep = Annotated[str | None, Depends(request_token)]


def current_user(session: SessionDep, token: TokenDep) -> User:
    user = user_for_token(session, token) if token else None
    if user is None:
        raise HTTPException(401, "not signed in, or the session has expired: POST /api/auth/login",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUserDep = Annotated[User, Depends(current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    """A dependency letting only these roles through (403 for the others)."""
    def check(user: CurrentUserDep) -> User:
        if user.role not in roles:
            raise HTTPException(403, f"for {' and '.join(roles)} only")
        return user

    check.roles = frozenset(roles)  # read by main.check_protected
    return check


def visible_call(call_id: int, session: SessionDep, user: CurrentUserDep) -> Call:
    """The path's call, if the user may see it: 404 unknown, 403 someone else's (nothing of it
    in the answer)."""
    call = session.get(Call, call_id)
    if call is None:
        raise HTTPException(404, f"no call {call_id}")
    if not may_see(user, call):
        raise HTTPException(403, f"call {call_id} is not one of the calls you may see")
    return call


VisibleCallDep = Annotated[Call, Depends(visible_call)]
