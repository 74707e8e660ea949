"""GET /api/reports/volume: calls, categories, emergencies, buildings, callbacks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from reports_helpers import get_report, rows_by, utc
from telephony.logging.calllog import call_ended

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


def test_callbacks_open_overdue_and_done(seed, api, settings):
    now = datetime.now(timezone.utc)

    def calls(s):
        # missed two hours ago: a complaint (due within 60 min: overdue), a repair (240 min: not yet)
        late = s.call(now - timedelta(hours=2), "abandoned", category="complaint", department="service",
                      caller_number="13800000001")
        due = s.call(now - timedelta(hours=2), "abandoned", category="repair", department="engineering",
                     caller_number="13800000002")
        left = s.call(now - timedelta(minutes=50), "voicemail", category="repair", department="engineering",
                      caller_number="13800000003")
        s.call(now - timedelta(minutes=40), "abandoned", category="repair", department="engineering")  # anonymous
        for call in (late, due, left):
            call_ended(s.s, call, settings)
        # the third resident got through later
        call_ended(s.s, s.call(now - timedelta(minutes=10), category="repair", department="engineering",
                               agent="1001", ring_ms=1000, caller_number="13800000003"), settings)

    seed(calls)
    report = get_report(api, "volume", since=(now - timedelta(days=1)).isoformat())
    (row,) = report["rows"]
    assert (row["callbacks"], row["callbacks_open"], row["callbacks_overdue"], row["callbacks_done"]) == (3, 2, 1, 1)
    assert report["as_of"]
    depts = rows_by(get_report(api, "volume", group_by="department", since=(now - timedelta(days=1)).isoformat()),
                    "department")
    assert (depts["service"]["callbacks_open"], depts["service"]["callbacks_overdue"]) == (1, 1)
    assert (depts["engineering"]["callbacks"], depts["engineering"]["callbacks_open"],
            depts["engineering"]["callbacks_overdue"], depts["engineering"]["callbacks_done"]) == (2, 1, 0, 1)


def test_no_callbacks_counts_zero(day):
    report = get_report(day, "volume", group_by="category", **DAY)
    assert all(r["callbacks"] == r["callbacks_open"] == r["callbacks_overdue"] == 0 for r in report["rows"])


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
