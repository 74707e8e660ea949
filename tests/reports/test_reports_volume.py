"""GET /api/reports/volume: calls, categories, emergencies, buildings; callbacks not available."""
from __future__ import annotations

import pytest

from reports_helpers import get_report, rows_by, utc

DAY = {"since": "2026-11-23T00:00:00+08:00", "until": "2026-11-24T00:00:00+08:00"}


def _calls(s):
    s.call(utc(2026, 11, 23, 1), category="repair", unit="3-2-502", department="engineering", agent="1001",
           ring_ms=1000)
    s.call(utc(2026, 11, 23, 2), category="repair", unit="3-1-101", department="engineering", agent="1001",
           ring_ms=1000)
    s.call(utc(2026, 11, 23, 3), "abandoned", category="complaint", unit="10-1-201", department="service")
    s.call(utc(2026, 11, 23, 4), category="emergency", unit=None, department="security", agent="1003",
           ring_ms=500)
    s.call(utc(2026, 11, 23, 5), category="emergency", unit="2-4-1801", department="security", agent="1003",
           ring_ms=700)
    s.call(utc(2026, 11, 23, 6), "abandoned", category=None, unit="2-1-101")  # hung up in the menu
    s.call(utc(2026, 11, 23, 7), category="inquiry", unit="5", department="service", agent="1002",
           ring_ms=300)  # a unit without entrance or room
    s.call(utc(2026, 11, 23, 8), category="lost-and-found", department="service", agent="1002",
           ring_ms=300)  # a category the settings don't (or no longer) know
    s.call(utc(2026, 11, 24, 8), category="repair", unit="3-2-502")  # another day


@pytest.fixture
def day(seed, api):
    seed(_calls)
    return api


def test_totals(day):
    report = get_report(day, "volume", **DAY)
    (row,) = report["rows"]
    assert row["calls"] == 8 and row["emergencies"] == 2
    assert (row["category_repair"], row["category_complaint"], row["category_emergency"],
            row["category_inquiry"], row["category_billing"]) == (2, 1, 2, 1, 0)
    assert row["category_other"] == 1 and row["category_unknown"] == 1
    assert sum(row[c] for c in report["columns"] if c.startswith("category_")) == row["calls"]
    assert report["columns"] == list(row)


def test_callbacks_are_not_available_and_say_so(day):
    report = get_report(day, "volume", group_by="category", **DAY)
    assert report["callbacks"] is None
    assert any("callbacks" in note and "not available" in note for note in report["notes"])
    assert all(r["callbacks_open"] is None and r["callbacks_overdue"] is None for r in report["rows"])


def test_by_building_in_natural_order(day):
    rows = rows_by(get_report(day, "volume", group_by="building", **DAY), "building")
    assert list(rows) == ["2", "3", "5", "10", None]
    assert {b: r["calls"] for b, r in rows.items()} == {"2": 2, "3": 2, "5": 1, "10": 1, None: 2}
    assert rows["2"]["emergencies"] == 1 and rows["2"]["category_unknown"] == 1
    assert rows["3"]["category_repair"] == 2 and rows[None]["category_emergency"] == 1


def test_by_category_department_agent(day):
    cats = rows_by(get_report(day, "volume", group_by="category", **DAY), "category")
    assert list(cats) == ["complaint", "emergency", "inquiry", "lost-and-found", "repair", None]
    assert cats["emergency"]["emergencies"] == 2 and cats["emergency"]["category_name"] == "紧急求助"
    assert cats["lost-and-found"]["category_name"] is None and cats["lost-and-found"]["category_other"] == 1
    depts = rows_by(get_report(day, "volume", group_by="department", **DAY), "department")
    assert {d: r["calls"] for d, r in depts.items()} == {"engineering": 2, "security": 2, "service": 3, None: 1}
    agents = rows_by(get_report(day, "volume", group_by="agent", **DAY), "agent")
    assert {a: r["calls"] for a, r in agents.items()} == {"1001": 2, "1002": 2, "1003": 2, None: 2}


def test_by_day_and_filters(day):
    days = rows_by(get_report(day, "volume", group_by="day", since="2026-11-20T00:00:00+08:00"), "day")
    assert {d: r["calls"] for d, r in days.items()} == {"2026-11-23": 8, "2026-11-24": 1}
    row = get_report(day, "volume", category="emergency", **DAY)["rows"][0]
    assert (row["calls"], row["emergencies"]) == (2, 2)
