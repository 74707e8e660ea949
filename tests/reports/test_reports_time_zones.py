"""Hours and days are the `timezone` setting's (Asia/Shanghai), not UTC's; since/until
bounds in any notation; a zone with daylight saving, on both databases."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from reports_helpers import get_report, p_cont, rows_by, utc
from telephony.api.main import create_app
from telephony.reports.common import offset_segments


def _edges(s):
    s.call(utc(2026, 11, 22, 15, 59, 59, 999000), ring_ms=1000, agent="1001")  # 23:59:59.999 on the 22nd
    s.call(utc(2026, 11, 22, 16, 0, 0), ring_ms=2000, agent="1001")  # 00:00 on the 23rd
    s.call(utc(2026, 11, 22, 23, 30), ring_ms=3000, agent="1001")  # 07:30 on the 23rd
    s.call(utc(2026, 11, 23, 0, 10), ring_ms=4000, agent="1001")  # 08:10
    s.call(utc(2026, 11, 23, 0, 50), "abandoned")  # 08:50
    s.call(utc(2026, 11, 23, 15, 59, 59), ring_ms=16000, agent="1002")  # 23:59:59
    s.call(utc(2026, 11, 23, 16, 0), ring_ms=5000, agent="1002")  # 00:00 on the 24th


@pytest.fixture
def edges(seed, api):
    seed(_edges)
    return api


def test_a_call_at_2330_utc_is_the_next_day_at_0730_in_shanghai(edges):
    days = rows_by(get_report(edges, "volume", group_by="day"), "day")
    assert {d: r["calls"] for d, r in days.items()} == {"2026-11-22": 1, "2026-11-23": 5, "2026-11-24": 1}
    hours = rows_by(get_report(edges, "volume", group_by="hour", since="2026-11-23T00:00:00+08:00",
                               until="2026-11-24T00:00:00+08:00"), "hour")
    assert {h: r["calls"] for h, r in hours.items()} == {0: 1, 7: 1, 8: 2, 23: 1}
    assert list(hours) == [0, 7, 8, 23]


def test_answer_time_by_hour_and_day(edges):
    hours = rows_by(get_report(edges, "answer-time", group_by="hour", since="2026-11-23T00:00:00+08:00",
                               until="2026-11-24T00:00:00+08:00"), "hour")
    assert (hours[8]["offered"], hours[8]["answered"], hours[8]["abandoned"]) == (2, 1, 1)
    assert hours[8]["ring_ms_p90"] == 4000
    assert (hours[23]["answered_after_3_rings"], hours[23]["service_level"]) == (1, 0.0)
    days = rows_by(get_report(edges, "answer-time", group_by="day"), "day")
    assert days["2026-11-23"]["answered"] == 4 and days["2026-11-24"]["ring_ms_p90"] == 5000
    # 23rd: 2000 3000 4000 16000 -> r = 2.7 -> 4000 + 0.7 * 12000
    assert days["2026-11-23"]["ring_ms_p90"] == p_cont(4000, 16000, 0.9 * 3)  # 12400


@pytest.mark.parametrize(("since", "until"), [
    ("2026-11-23T00:00:00+08:00", "2026-11-24T00:00:00+08:00"),
    ("2026-11-22T16:00:00Z", "2026-11-23T16:00:00Z"),
    ("2026-11-22T11:00:00-05:00", "2026-11-23T11:00:00-05:00"),
])
def test_since_is_inclusive_and_until_exclusive_in_any_notation(edges, since, until):
    row = get_report(edges, "answer-time", since=since, until=until)["rows"][0]
    assert row["offered"] == 5  # 00:00 on the 23rd counts, 00:00 on the 24th does not
    row = get_report(edges, "volume", since=since)["rows"][0]
    assert row["calls"] == 6
    row = get_report(edges, "volume", until=until)["rows"][0]
    assert row["calls"] == 6


def test_daylight_saving_time_zone(settings, seed, db):
    """New York leaves daylight saving at 2026-11-01 06:00 UTC (02:00 EDT -> 01:00 EST)."""
    def calls(s):
        s.call(utc(2026, 10, 31, 12), ring_ms=1)  # 08:00 EDT on the 31st
        s.call(utc(2026, 11, 1, 3, 30), ring_ms=1)  # 23:30 EDT on the 31st
        s.call(utc(2026, 11, 1, 4, 30), ring_ms=1)  # 00:30 EDT on the 1st
        s.call(utc(2026, 11, 1, 5, 30), ring_ms=1)  # 01:30 EDT
        s.call(utc(2026, 11, 1, 6, 30), ring_ms=1)  # 01:30 EST, the second time round
        s.call(utc(2026, 11, 1, 13), ring_ms=1)  # 08:00 EST
        s.call(utc(2026, 11, 2, 4, 30), ring_ms=1)  # 23:30 EST on the 1st
        s.call(utc(2026, 11, 2, 5, 30), ring_ms=1)  # 00:30 EST on the 2nd
    seed(calls)
    create_user(db, "admin", "admin")
    app = create_app(settings.model_copy(update={"timezone": "America/New_York"}), background=False)
    with TestClient(app) as client:
        login(client, "admin")
        days = rows_by(get_report(client, "volume", group_by="day"), "day")
        hours = rows_by(get_report(client, "volume", group_by="hour", since="2026-11-01T00:00:00-04:00",
                                   until="2026-11-02T00:00:00-05:00"), "hour")
        bounded = rows_by(get_report(client, "volume", group_by="day", since="2026-10-31T00:00:00Z",
                                     until="2026-11-03T00:00:00Z"), "day")
    app.state.db.engine.dispose()
    assert {d: r["calls"] for d, r in days.items()} == {"2026-10-31": 2, "2026-11-01": 5, "2026-11-02": 1}
    assert bounded == days
    assert {h: r["calls"] for h, r in hours.items()} == {0: 1, 1: 2, 8: 1, 23: 1}


def test_offset_segments():
    shanghai = ZoneInfo("Asia/Shanghai")
    year = (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert offset_segments(shanghai, *year) == [(None, 480)]
    ny = offset_segments(ZoneInfo("America/New_York"), *year)
    assert ny == [(None, -300), (datetime(2026, 3, 8, 7, tzinfo=timezone.utc), -240),
                  (datetime(2026, 11, 1, 6, tzinfo=timezone.utc), -300)]
    india = offset_segments(ZoneInfo("Asia/Kolkata"), *year)
    assert india == [(None, 330)]
