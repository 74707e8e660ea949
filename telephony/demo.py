"""A small demo property, loaded by `hotline up` into an empty database."""
from __future__ import annotations

from telephony.auth.users import create_user
from telephony.core.config import Settings
from telephony.db.models import Resident
from telephony.db.session import Database
from telephony.directory import add_agent

DEMO_AGENT_PASSWORD = "hotline-demo"
DEMO_USER_PASSWORD = "hotline-demo"

DEMO_AGENTS = [
    ("1001", "王建国", "engineering"),
    ("1002", "李秀英", "service"),
    ("1003", "张伟", "security"),
    ("1004", "刘芳", "billing"),
]

DEMO_RESIDENTS = [
    ("陈明", "13800000001", "3-2-502"),
    ("赵丽", "13800000002", "5-1-101"),
    ("孙强", "13800000003", "9-3-1203"),
]


# (username, name, role, agent); the supervisor gets every department.
DEMO_USERS = [
    ("admin", "系统管理员", "admin", None),
    ("supervisor", "质检主管", "supervisor", None),
    ("agent1001", "王建国", "agent", "1001"),
    ("agent1002", "李秀英", "agent", "1002"),
]


def load_demo(db: Database, settings: Settings) -> None:
    with db.session() as s:
        for number, name, dept in DEMO_AGENTS:
            add_agent(s, number=number, name=name, department=dept, password=DEMO_AGENT_PASSWORD,
                      realm=settings.sip_realm, departments=settings.departments)
        s.add_all(Resident(name=n, phone=p, unit=u) for n, p, u in DEMO_RESIDENTS)


def load_demo_users(db: Database, settings: Settings) -> None:
    """The supervisors' desk's demo users (after load_demo: agent users need their agents)."""
    with db.session() as s:
        for username, name, role, agent in DEMO_USERS:
            create_user(s, username=username, name=name, role=role, password=DEMO_USER_PASSWORD,
                        user_departments=list(settings.departments) if role == "supervisor" else (),
                        agent=agent, departments=settings.departments,
                        password_min_length=settings.password_min_length)
