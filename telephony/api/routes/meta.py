"""GET /api/meta: what the web page needs to name things (departments, categories, agents,
audit rules) in both languages, and the time zone the API's times are in."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from telephony.api.deps import SessionDep, SettingsDep
from telephony.audit.rules import RULES
from telephony.db.models import Agent

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/meta")
def get_meta(session: SessionDep, settings: SettingsDep) -> dict:
    agents = session.scalars(select(Agent).order_by(Agent.number))
    return {
        "company_name": settings.company_name,
        "timezone": settings.timezone,
        "ring_limit": settings.ring_limit,
        "ring_cadence_ms": settings.ring_cadence_ms,
        "departments": {k: {"name_zh": d.name_zh, "name_en": d.name_en} for k, d in settings.departments.items()},
        "categories": {k: {"name_zh": c.name_zh, "name_en": c.name_en, "department": c.department,
                           "urgency": c.urgency} for k, c in settings.categories.items()},
        "rules": list(RULES),
        "agents": [{"number": a.number, "name": a.name, "department": a.department} for a in agents],
    }
