"""Residents and agents: who calls, who answers."""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from telephony.core.callerid import phone_digits
from telephony.db.models import Agent, Resident

UNIT_RE = re.compile(r"^(\d{1,3})-(\d{1,2})-(\d{1,5})$")  # building-entrance-room
AGENT_NUMBER_RE = re.compile(r"[0-9]{3,8}")  # used with fullmatch: ASCII only, no trailing newline


class DirectoryError(ValueError):
    """Bad input for the directory, with a message fit for the user."""


@dataclass(frozen=True)
class Unit:
    building: int
    entrance: int
    room: int

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"

    @classmethod
    def parse(cls, text: str) -> "Unit":
        m = UNIT_RE.match(text.strip())
        if not m:
            raise DirectoryError(f"unit {text!r} is not building-entrance-room, like 3-2-502")
        return cls(*(int(g) for g in m.groups()))


def find_resident_by_phone(s: Session, raw_number: str | None) -> Resident | None:
    digits = phone_digits(raw_number)
    if not digits:
        return None
    return s.scalars(select(Resident).where(Resident.phone == digits).limit(1)).first()


def unit_exists(s: Session, unit: Unit) -> bool:
    return s.scalars(select(Resident.id).where(Resident.unit == str(unit)).limit(1)).first() is not None


def import_residents(s: Session, path: Path) -> int:
    """Import name,phone,unit rows; the whole file is checked before anything is written."""
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"name", "phone", "unit"} - set(reader.fieldnames or [])
        if missing:
            raise DirectoryError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            name = (row["name"] or "").strip()
            phone = phone_digits(row["phone"])
            if not name or not phone:
                raise DirectoryError(f"{path}:{line}: name and phone are required")
            try:
                unit = Unit.parse(row["unit"] or "")
            except DirectoryError as e:
                raise DirectoryError(f"{path}:{line}: {e}") from None
            rows.append(Resident(name=name[:100], phone=phone, unit=str(unit)))
    s.add_all(rows)
    return len(rows)


def sip_ha1(number: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{number}:{realm}:{password}".encode()).hexdigest()


def add_agent(s: Session, *, number: str, name: str, department: str, password: str,
              realm: str, departments: dict) -> Agent:
    if not AGENT_NUMBER_RE.fullmatch(number):
        raise DirectoryError(f"agent number {number!r} must be 3 to 8 digits")
    if department not in departments:
        raise DirectoryError(f"unknown department {department!r}; known: {', '.join(departments)}")
    if len(password) < 6:
        raise DirectoryError("password must have at least 6 characters")
    if s.scalars(select(Agent).where(Agent.number == number)).first():
        raise DirectoryError(f"agent {number} already exists")
    agent = Agent(number=number, name=name[:100], department=department,
                  sip_ha1=sip_ha1(number, realm, password))
    s.add(agent)
    return agent
