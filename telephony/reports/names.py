"""Group keys in the rows: the key column and, for agents, departments and categories, a name."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telephony.core.config import Settings
from telephony.db.models import Agent

NAMED = ("agent", "department", "category")


def group_names(session: Session, settings: Settings, group_by: str | None,
                values: list[Any]) -> dict[str, dict[Any, str | None]]:
    """{group_by: {key: name}} when the group has names (agent, department, category), else {}.

    Agents by the agents table; departments and categories by their Chinese names in the
    settings."""
    if group_by not in NAMED:
        return {}
    wanted = [v for v in values if v is not None]
    if group_by == "agent":
        names = dict(session.execute(select(Agent.number, Agent.name).where(Agent.number.in_(wanted))).all()) \
            if wanted else {}
    elif group_by == "department":
        names = {k: d.name_zh for k, d in settings.departments.items()}
    else:
        names = {k: c.name_zh for k, c in settings.categories.items()}
    return {group_by: {v: names.get(v) for v in values}}


def key_columns(group_by: str | None) -> list[str]:
    """The leading columns of a report's rows: none, the key, or the key and its name."""
    if group_by is None:
        return []
    return [group_by, f"{group_by}_name"] if group_by in NAMED else [group_by]


def key_fields(group_by: str | None, value: Any, names: dict) -> dict[str, Any]:
    """A row's leading fields, as key_columns names them."""
    if group_by is None:
        return {}
    row = {group_by: value}
    if group_by in NAMED:
        row[f"{group_by}_name"] = names.get(group_by, {}).get(value)
    return row
