"""Residents' data as masked for admins and agents (telephony/auth/masking.py)."""
from __future__ import annotations

import pytest

from telephony.auth.masking import mask_call, mask_name, mask_phone, mask_unit


@pytest.mark.parametrize("number,masked", [
    ("13800000001", "138****0001"),
    ("+8613800000001", "+86*******0001"),
    ("01065123456", "010****3456"),
    ("12345678", "123*5678"),
    ("8000", "****"),  # too short to keep any of it
    ("", ""),
    (None, None),
])
def test_phone(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize("unit,masked", [
    ("3-2-502", "3-*-***"),
    ("12-1-1203", "12-*-***"),  # the same width whatever the room: the mask tells nothing of it
    ("502", "***"),
    (None, None),
])
def test_unit_keeps_the_building_only(unit, masked):
    assert mask_unit(unit) == masked


@pytest.mark.parametrize("name,masked", [("陈明", "陈*"), ("欧阳娜娜", "欧*"), ("<script>", "<*"), (None, None)])
def test_name_keeps_its_first_character(name, masked):
    assert mask_name(name) == masked


def test_a_call_is_masked_in_a_copy():
    row = {"id": 1, "caller_number": "13800000001", "caller_name": "陈明", "unit": "3-2-502", "agent": "1001"}
    assert mask_call(row) == {"id": 1, "caller_number": "138****0001", "caller_name": "陈*", "unit": "3-*-***",
                              "agent": "1001"}
    assert row["caller_number"] == "13800000001"
