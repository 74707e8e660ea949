"""The reports' HTTP surface: CSV = the JSON rows, refusals (422), database down (503)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reports_helpers import get_report, parse_csv, utc
from telephony.api.main import create_app
from telephony.core.config import load_settings

REPORTS = ("answer-time", "compliance", "volume")
GROUP_BYS = (None, "agent", "department", "hour", "day", "category", "building")


def _calls(s):
    for i, (ring, agent, dept, cat, unit) in enumerate([
        (1234, "1001", "engineering", "repair", "3-2-502"),
        (5678, "1001", "engineering", "repair", "12-1-1203"),
        (15001, "1002", "service", "complaint", None),
        (250, "1002", "service", "inquiry", "3-1-101"),
    ]):
        call = s.call(utc(2026, 11, 23, i * 5, 17), ring_ms=ring, queue_wait_ms=ring + 333, agent=agent,
                      department=dept, category=cat, unit=unit)
        s.verdicts(call, greeting="pass" if i % 2 else ("fail", {"reason": "没有问候语, \"quoted\", comma"}),
                   rings="pass" if ring < 15000 else "fail")
    s.call(utc(2026, 11, 23, 23), "abandoned", queue_wait_ms=9000, department="service", category="billing")


@pytest.fixture
def api_with_calls(seed, api):
    seed(_calls)
    return api


def _typed(column: str, text: str, like):
    """A CSV cell read back as the JSON value it came from."""
    if text == "":
        return None
    if isinstance(like, bool):
        return text == "True"
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    return text


@pytest.mark.parametrize("report", REPORTS)
def test_csv_has_the_json_rows_and_columns(api_with_calls, report):
    for group_by in GROUP_BYS:
        params = {"since": "2026-11-23T00:00:00+08:00", "group_by": group_by}
        data = get_report(api_with_calls, report, **params)
        resp = api_with_calls.get(f"/api/reports/{report}", params={**{k: v for k, v in params.items() if v},
                                                                     "format": "csv"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "text/csv; charset=utf-8"
        name = report + (f"-{group_by}" if group_by else "")
        assert resp.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
        header, rows = parse_csv(resp.text)
        assert header == data["columns"], group_by
        assert len(rows) == len(data["rows"]) > 0, group_by
        for csv_row, json_row in zip(rows, data["rows"], strict=True):
            assert list(json_row) == header
            for col in header:
                assert _typed(col, csv_row[col], json_row[col]) == json_row[col], (group_by, col)


def test_floats_survive_csv_exactly(api_with_calls):
    data = get_report(api_with_calls, "answer-time", group_by="agent")
    _, rows = parse_csv(api_with_calls.get("/api/reports/answer-time",
                                           params={"group_by": "agent", "format": "csv"}).text)
    assert float(rows[0]["ring_ms_avg"]) == data["rows"][0]["ring_ms_avg"] == (1234 + 5678) / 2


@pytest.mark.parametrize("report", REPORTS)
def test_refusals_are_422(api, report):
    url = f"/api/reports/{report}"
    for param in ("since", "until"):
        for value in ("2026-11-23T08:00:00", "2026-11-23"):
            resp = api.get(url, params={param: value})
            assert resp.status_code == 422, (param, value)
            assert "time zone" in resp.text
    assert api.get(url, params={"since": "yesterday"}).status_code == 422
    resp = api.get(url, params={"group_by": "week"})
    assert resp.status_code == 422 and "agent" in resp.text  # names what is allowed
    for group_by in ("AGENT", "", "agent;drop table calls"):
        assert api.get(url, params={"group_by": group_by}).status_code == 422, group_by
    assert api.get(url, params={"format": "xlsx"}).status_code == 422
    resp = api.get(url, params={"since": "2026-11-24T00:00:00+08:00", "until": "2026-11-23T00:00:00+08:00"})
    assert resp.status_code == 422 and "before" in resp.text
    assert api.get(url, params={"since": "2026-11-23T00:00:00+08:00",
                                "until": "2026-11-23T00:00:00+08:00"}).status_code == 422


def test_scope_is_echoed_in_the_time_zone_setting(api_with_calls):
    data = get_report(api_with_calls, "volume", since="2026-11-22T16:00:00Z", until="2026-11-23T16:00:00Z",
                      group_by="hour", department="service")
    assert (data["since"], data["until"]) == ("2026-11-23T00:00:00+08:00", "2026-11-24T00:00:00+08:00")
    assert data["timezone"] == "Asia/Shanghai" and data["group_by"] == "hour"
    assert data["filters"] == {"department": "service"}
    assert [r["hour"] for r in data["rows"]] == [18, 23]


def test_hostile_filter_values_are_just_values(api_with_calls):
    for report in REPORTS:
        data = get_report(api_with_calls, report, agent="' OR '1'='1", group_by="agent")
        assert data["rows"] == []


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_no_such_database",
    "sqlite:////nonexistent-dir/for/hotline.db",
])
def test_database_unreachable_is_503_json(tmp_path, url):
    app = create_app(load_settings(data_dir=tmp_path, database_url=url), background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        for report in REPORTS:
            resp = client.get(f"/api/reports/{report}", params={"group_by": "day"},
                              headers={"Authorization": "Bearer any-token"})  # checking it needs the db
            assert resp.status_code == 503, (report, resp.text)
            assert resp.json() == {"detail": "database unavailable"}
    app.state.db.engine.dispose()


def test_report_leaves_the_pooled_connection_as_it_was(settings, db, seed):
    """The per-report tuning (PostgreSQL SET LOCAL) does not outlive the report."""
    from sqlalchemy import text

    from telephony.reports import Scope, answer_time_report

    seed(_calls)
    probe = "PRAGMA cache_size" if db.engine.dialect.name == "sqlite" else "SHOW work_mem"
    with db.session() as s:
        before = s.execute(text(probe)).scalar()
        report = answer_time_report(s, settings, Scope.make(settings.timezone, group_by="agent"))
        assert [r["agent"] for r in report["rows"]] == ["1001", "1002", None]
    with db.session() as s:
        assert s.execute(text(probe)).scalar() == before
