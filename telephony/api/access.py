"""Which /api routes need whom, in one place, and the check that every route says so.

Routers are included in main.py with one of SIGNED_IN, DESK or ADMINS. A route under /api
that a router forgot to protect would be open to anyone on the network, so
check_protected refuses to build the app instead (it runs at the end of create_app)."""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from starlette.routing import Mount

from telephony.api.deps import current_user, require_roles
from telephony.auth.visibility import DESK_ROLES

SIGNED_IN = [Depends(current_user)]
DESK = [Depends(require_roles(*DESK_ROLES))]  # supervisors and admins
ADMINS = [Depends(require_roles("admin"))]

PUBLIC = {("/api/auth/login", "POST")}
# Path prefixes and the roles allowed there at most.
ROLES_BY_PREFIX = {
    "/api/wallboard": frozenset(DESK_ROLES),
    "/api/access-log": frozenset(DESK_ROLES),
    "/api/users": frozenset({"admin"}),
}


def _calls(dependant: Dependant) -> list:
    found = [dependant.call]
    for sub in dependant.dependencies:
        found += _calls(sub)
    return found


def _routes(app: FastAPI) -> Iterator:
    """Every route with its effective dependant (router dependencies included)."""
    try:  # FastAPI >= 0.16x keeps included routers lazily
        from fastapi.routing import iter_route_contexts
    except ImportError:
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)


def check_protected(app: FastAPI) -> None:
    for route in _routes(app):
        path = getattr(route, "path", None) or ""
        if not path.startswith("/api"):
            continue
        if isinstance(getattr(route, "original_route", route), Mount):
            raise RuntimeError(f"{path}: nothing may be mounted under /api, it would bypass sign-in")
        if getattr(route, "dependant", None) is None:
            continue
        methods = getattr(route, "methods", None) or {"WEBSOCKET"}
        if all((path, m) in PUBLIC for m in methods):
            continue
        calls = _calls(route.dependant)
        if current_user not in calls:
            raise RuntimeError(f"{path} is not protected: include its router with "
                               "dependencies=SIGNED_IN, DESK or ADMINS (telephony/api/access.py)")
        allowed = None
        for call in calls:
            if (roles := getattr(call, "roles", None)) is not None:
                allowed = roles if allowed is None else allowed & roles
        for prefix, most in ROLES_BY_PREFIX.items():
            if path.startswith(prefix) and (allowed is None or not allowed <= most):
                raise RuntimeError(f"{path} is for {' and '.join(sorted(most))} only: include its "
                                   f"router with dependencies={'ADMINS' if most == {'admin'} else 'DESK'}")
