"""Residents' data, masked for the roles that don't follow up with residents (JLL H: never
disclose residents' information or unit numbers).

- phone: the first 3 and last 4 characters kept (138****0001); shorter numbers entirely.
- unit: the building kept (reports group by it), entrance and room hidden (3-*-***),
  always the same width so the mask tells nothing about the room number.
- name: the first character and one star (陈*).
"""
from __future__ import annotations

PHONE_HEAD, PHONE_TAIL = 3, 4
MASK = "*"
UNIT_MASK_REST = "*-***"  # entrance-room


def mask_phone(number: str | None) -> str | None:
    if not number:
        return number
    if len(number) < PHONE_HEAD + PHONE_TAIL + 1:
        return MASK * len(number)
    return number[:PHONE_HEAD] + MASK * (len(number) - PHONE_HEAD - PHONE_TAIL) + number[-PHONE_TAIL:]


def mask_unit(unit: str | None) -> str | None:
    if not unit:
        return unit
    building, sep, _rest = unit.partition("-")
    return f"{building}-{UNIT_MASK_REST}" if sep else MASK * 3


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + MASK


def mask_call(row: dict) -> dict:
    """A copy of a call's JSON with the resident's number, name and unit masked."""
    return {**row, "caller_number": mask_phone(row.get("caller_number")),
            "caller_name": mask_name(row.get("caller_name")), "unit": mask_unit(row.get("unit"))}
