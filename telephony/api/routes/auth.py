"""POST /api/auth/login and /logout, GET /api/auth/me: signing in to the supervisors' desk.

The token comes back in the body (for `Authorization: Bearer`) and as an HttpOnly,
SameSite=Strict cookie (for <audio src> and EventSource in the browser)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from telephony.api.deps import SESSION_COOKIE, CurrentUserDep, SessionDep, SettingsDep, TokenDep
from telephony.auth.sessions import open_session, revoke
from telephony.auth.throttle import LoginThrottle
from telephony.auth.users import authenticate, user_to_dict

router = APIRouter(prefix="/api/auth", tags=["auth"])

WRONG_CREDENTIALS = "wrong username or password"  # one message: no hint which part was wrong
SECONDS_PER_HOUR = 3600


class Login(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(body: Login, request: Request, response: Response, session: SessionDep,
          settings: SettingsDep) -> dict:
    throttle: LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else None
    if (wait := throttle.retry_after_s(body.username, client)) is not None:
        raise HTTPException(429, f"too many failed sign-ins: try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    user = authenticate(session, body.username, body.password)
    if user is None:
        throttle.failed(body.username, client)
        raise HTTPException(401, WRONG_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    throttle.succeeded(body.username)
    token = open_session(session, user, settings.session_ttl_h)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(settings.session_ttl_h * SECONDS_PER_HOUR),
                        path="/", httponly=True, samesite="strict", secure=settings.session_cookie_secure)
    return {"access_token": token, "token_type": "bearer", "user": user_to_dict(user)}


@router.post("/logout", status_code=204)
def logout(user: CurrentUserDep, token: TokenDep, session: SessionDep, settings: SettingsDep) -> Response:
    revoke(session, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=settings.session_cookie_secure)
    return response


@router.get("/me")
def me(user: CurrentUserDep) -> dict:
    return user_to_dict(user)
