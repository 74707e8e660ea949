"""GET /api/reports/answer-time with known answers, on SQLite and PostgreSQL.

The day: 2026-11-23 in Shanghai = [2026-11-22T16:00Z, 2026-11-23T16:00Z). Ring
cadence 5000 ms, so rings = floor(ring_ms / 5000) + 1; ring limit 3.
"""
from __future__ import annotations

import pytest

from reports_helpers import get_report, p_cont, rows_by, utc

DAY = {"since": "2026-11-23T00:00:00+08:00", "until": "2026-11-24T00:00:00+08:00"}

# Agent 1001 (engineering, repair): ten answered calls, 0 .. 14999 ms of ringing, all
# within three rings: 1 ring for 0/1500/3000/4500, 2 for 6000/7500/9000, 3 for
# 10500/12000/14999. Queue wait = ring + 1000.
RINGS_1001 = [0, 1500, 3000, 4500, 6000, 7500, 9000, 10500, 12000, 14999]
# Agent 1002 (service, complaint): 2000 (1 ring), 15000 (4 rings), 20000 (5 rings). Wait = ring + 500.
RINGS_1002 = [2000, 15000, 20000]


def _day(s):
    for i, ring in enumerate(RINGS_1001):
        s.call(utc(2026, 11, 23, 1, i), ring_ms=ring, queue_wait_ms=ring + 1000, agent="1001",
               department="engineering", category="repair", unit="3-2-502")
    for i, ring in enumerate(RINGS_1002):
        s.call(utc(2026, 11, 23, 2, i), ring_ms=ring, queue_wait_ms=ring + 500, agent="1002",
               department="service", category="complaint")
    s.call(utc(2026, 11, 23, 3, 0), "abandoned", queue_wait_ms=8000, department="service", category="complaint")
    s.call(utc(2026, 11, 23, 3, 1), "abandoned", queue_wait_ms=30000, department="service", category="inquiry")
    s.call(utc(2026, 11, 23, 3, 2), "voicemail", queue_wait_ms=90000, department="service", category="inquiry")
    s.call(utc(2026, 11, 23, 3, 3), "failed", department="engineering", category="repair")
    s.call(utc(2026, 11, 23, 3, 4), None, department="security", category="emergency")  # still going
    # Just outside the day, on both sides: never counted.
    s.call(utc(2026, 11, 22, 15, 59, 59), ring_ms=100, queue_wait_ms=100, agent="1001", department="engineering")
    s.call(utc(2026, 11, 23, 16, 0, 0), "abandoned", queue_wait_ms=100, department="service")


@pytest.fixture
def day(seed, api):
    seed(_day)
    return api


def test_totals_from_first_principles(day):
    report = get_report(day, "answer-time", **DAY)
    assert report["group_by"] is None and len(report["rows"]) == 1
    row = report["rows"][0]
    # 10 + 3 answered, 2 abandoned, 1 voicemail, 1 failed; the call still going is not offered.
    assert (row["answered"], row["abandoned"], row["voicemail"], row["failed"]) == (13, 2, 1, 1)
    assert row["offered"] == 17 and row["in_progress"] == 1
    # 1 ring: 4 of 1001's + 2000 ms; 2 rings: + 3 of 1001's; 3 rings: + 3 more; 15000 and 20000 after.
    assert row["answered_within_1_ring"] == 5
    assert row["answered_within_2_rings"] == 8
    assert row["answered_within_3_rings"] == 11
    assert row["answered_after_3_rings"] == 2
    assert row["answered_rings_unknown"] == 0
    assert row["answered_within_limit"] == 11
    assert row["service_level"] == pytest.approx(11 / 13, abs=1e-12)
    assert row["service_level_2"] == pytest.approx(11 / 15, abs=1e-12)  # 11 / (13 answered + 2 abandoned)
    assert row["abandoned_rate"] == pytest.approx(2 / 17, abs=1e-12)
    # ring_ms: 68999 (1001) + 37000 (1002) over 13 calls.
    assert row["ring_ms_avg"] == pytest.approx(105999 / 13, abs=1e-9)
    # sorted: 0 1500 2000 3000 4500 6000 7500 9000 10500 12000 14999 15000 20000;
    # r = 0.9 * 12 = 10.8 -> x[10] + 0.8 (x[11] - x[10]) = 14999 + 0.8 * 1
    assert row["ring_ms_p90"] == p_cont(14999, 15000, 0.9 * 12)  # 14999.8
    # answered waits: 1001's 78999 + 1002's 38500 over 13 (abandoned callers' waits not in it).
    assert row["queue_wait_ms_avg"] == pytest.approx(117499 / 13, abs=1e-9)
    # sorted: 1000 2500 2500 4000 5500 7000 8500 10000 11500 13000 15500 15999 20500;
    # r = 10.8 -> 15500 + 0.8 * 499
    assert row["queue_wait_ms_p90"] == p_cont(15500, 15999, 0.9 * 12)  # 15899.2
    assert report["ring_limit"] == 3 and report["ring_cadence_ms"] == 5000
    assert report["percentile"]["exact"] is True
    assert report["columns"] == list(row)


def test_by_agent(day):
    report = get_report(day, "answer-time", group_by="agent", **DAY)
    rows = rows_by(report, "agent")
    assert list(rows) == ["1001", "1002", None]  # calls nobody answered: the row without an agent
    a = rows["1001"]
    assert (a["offered"], a["answered"], a["answered_within_limit"], a["service_level"]) == (10, 10, 10, 1.0)
    assert (a["answered_within_1_ring"], a["answered_within_2_rings"], a["answered_within_3_rings"]) == (4, 7, 10)
    assert a["ring_ms_avg"] == pytest.approx(6899.9, abs=1e-9)
    # r = 0.9 * 9 = 8.1 -> 12000 + 0.1 * (14999 - 12000)
    assert a["ring_ms_p90"] == p_cont(12000, 14999, 0.9 * 9)  # 12299.9
    assert a["queue_wait_ms_p90"] == p_cont(13000, 15999, 0.9 * 9)  # 13299.9
    b = rows["1002"]
    assert (b["answered"], b["answered_within_limit"], b["answered_after_3_rings"]) == (3, 1, 2)
    assert b["service_level"] == pytest.approx(1 / 3, abs=1e-12)
    # r = 0.9 * 2 = 1.8 -> 15000 + 0.8 * 5000
    assert b["ring_ms_p90"] == p_cont(15000, 20000, 0.9 * 2)  # 19000
    assert b["queue_wait_ms_p90"] == p_cont(15500, 20500, 0.9 * 2)  # 19500
    nobody = rows[None]
    assert (nobody["offered"], nobody["answered"], nobody["abandoned"], nobody["in_progress"]) == (4, 0, 2, 1)
    assert nobody["service_level"] is None  # nothing answered: no service level, not 0
    assert nobody["service_level_2"] == 0.0 and nobody["abandoned_rate"] == 0.5
    assert nobody["ring_ms_avg"] is None and nobody["ring_ms_p90"] is None
    assert nobody["queue_wait_ms_p90"] is None


def test_agent_names_when_known(demo_db, seed, api):
    seed(_day)
    report = get_report(api, "answer-time", group_by="agent", **DAY)
    assert report["columns"][:2] == ["agent", "agent_name"]
    names = {r["agent"]: r["agent_name"] for r in report["rows"]}
    assert names == {"1001": "王建国", "1002": "李秀英", None: None}


def test_by_department(day):
    rows = rows_by(get_report(day, "answer-time", group_by="department", **DAY), "department")
    assert list(rows) == ["engineering", "security", "service"]
    eng, sec, svc = rows["engineering"], rows["security"], rows["service"]
    assert eng["department_name"] == "工程维修"
    assert (eng["offered"], eng["answered"], eng["failed"], eng["service_level"]) == (11, 10, 1, 1.0)
    assert (svc["offered"], svc["answered"], svc["abandoned"], svc["voicemail"]) == (6, 3, 2, 1)
    assert svc["service_level_2"] == pytest.approx(1 / 5, abs=1e-12)
    assert svc["abandoned_rate"] == pytest.approx(2 / 6, abs=1e-12)
    assert (sec["offered"], sec["in_progress"], sec["abandoned_rate"]) == (0, 1, None)


def test_by_category_and_building(day):
    cats = rows_by(get_report(day, "answer-time", group_by="category", **DAY), "category")
    assert list(cats) == ["complaint", "emergency", "inquiry", "repair"]
    assert (cats["repair"]["offered"], cats["repair"]["answered"], cats["repair"]["category_name"]) == (11, 10, "报修")
    assert (cats["complaint"]["answered"], cats["complaint"]["abandoned"]) == (3, 1)
    assert (cats["inquiry"]["abandoned"], cats["inquiry"]["voicemail"]) == (1, 1)
    buildings = rows_by(get_report(day, "answer-time", group_by="building", **DAY), "building")
    assert list(buildings) == ["3", None]
    assert buildings["3"]["answered"] == 10 and buildings[None]["offered"] == 7


def test_ring_limit_is_the_setting(settings, seed, db):
    """ring_limit 2: within limit = 8 (within 2 rings), and the audit-style counts stay."""
    from fastapi.testclient import TestClient

    from auth_helpers import create_user, login
    from telephony.api.main import create_app

    seed(_day)
    create_user(db, "admin", "admin")
    app = create_app(settings.model_copy(update={"ring_limit": 2}), background=False)
    with TestClient(app) as client:
        login(client, "admin")
        row = get_report(client, "answer-time", **DAY)["rows"][0]
    app.state.db.engine.dispose()
    assert row["answered_within_limit"] == 8 and row["answered_within_3_rings"] == 11
    assert row["service_level"] == pytest.approx(8 / 13, abs=1e-12)


def test_rings_unknown_and_stored_rings(seed, api):
    """An answered call without a ring time counts as answered, not within the limit; the
    stored ring count (the cadence of its day) wins over one recomputed from ring_ms."""
    def calls(s):
        s.call(utc(2026, 11, 23, 1), ring_ms=None, queue_wait_ms=None, agent="1001")
        s.call(utc(2026, 11, 23, 2), ring_ms=6000, rings=1, queue_wait_ms=6500, agent="1001")
    seed(calls)
    row = get_report(api, "answer-time", **DAY)["rows"][0]
    assert (row["answered"], row["answered_rings_unknown"], row["answered_within_1_ring"]) == (2, 1, 1)
    assert row["service_level"] == 0.5
    assert row["ring_ms_avg"] == 6000 and row["ring_ms_p90"] == 6000
    assert row["queue_wait_ms_avg"] == 6500 and row["queue_wait_ms_p90"] == 6500


def test_empty_range_is_one_total_row_of_zeros(day):
    report = get_report(day, "answer-time", since="2030-01-01T00:00:00Z", until="2030-01-02T00:00:00Z")
    (row,) = report["rows"]
    assert row["offered"] == 0 and row["service_level"] is None and row["ring_ms_p90"] is None
    assert get_report(day, "answer-time", group_by="agent", since="2030-01-01T00:00:00Z")["rows"] == []


def test_no_range_covers_everything(day):
    row = get_report(day, "answer-time")["rows"][0]
    assert row["offered"] == 19 and row["answered"] == 14 and row["abandoned"] == 3


def test_filters(day):
    row = get_report(day, "answer-time", department="service", **DAY)["rows"][0]
    assert (row["offered"], row["answered"]) == (6, 3)
    row = get_report(day, "answer-time", agent="1002", category="complaint", **DAY)["rows"][0]
    assert (row["offered"], row["answered"], row["ring_ms_p90"]) == (3, 3, 19000)
    report = get_report(day, "answer-time", agent="1002", **DAY)
    assert report["filters"] == {"agent": "1002"}
