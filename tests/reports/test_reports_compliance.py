"""GET /api/reports/compliance: pass rates from seeded verdicts, not-audited calls and the
failing-call list, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from reports_helpers import get_report, parse_csv, rows_by, utc

DAY = {"since": "2026-11-23T00:00:00+08:00", "until": "2026-11-24T00:00:00+08:00"}
ALL_PASS = dict.fromkeys(("greeting", "closing", "hangup_order", "rings", "hold", "privacy", "transfer"), "pass")
NO_THANKS = {"reason": "no thanks in the agent's words", "last_words": "好的，就这样。", "start": 80.2}
NO_GREETING = {"reason": "no greeting (您好) in the agent's first words", "first_words": "喂，哪位？",
               "start": 0.8, "end": 1.6}
HUNG_UP = {"reason": "the agent hung up first", "hangup_by": "agent"}


def _calls(s):
    """1001 answers x1 (closing fails) and x2 (greeting and hang-up order fail) and x5 (not
    audited yet); 1002 answers x3 (all pass) and x4 (not audited). x6 is abandoned; x7 is
    the day before."""
    x1 = s.call(utc(2026, 11, 23, 2, 0), ring_ms=3000, agent="1001", department="engineering")
    s.verdicts(x1, greeting="pass", closing=("fail", NO_THANKS), hangup_order="pass", rings="pass",
               hold="n/a", privacy="pass", transfer="n/a")
    x2 = s.call(utc(2026, 11, 23, 3, 0), ring_ms=4000, agent="1001", department="engineering")
    s.verdicts(x2, greeting=("fail", NO_GREETING), closing="pass", hangup_order=("fail", HUNG_UP),
               rings="pass", hold="pass", privacy="pass", transfer="n/a")
    x3 = s.call(utc(2026, 11, 23, 1, 0), ring_ms=1000, agent="1002", department="service")
    s.verdicts(x3, **ALL_PASS)
    s.call(utc(2026, 11, 23, 4, 0), ring_ms=1000, agent="1002", department="service")  # x4
    s.call(utc(2026, 11, 23, 5, 0), ring_ms=1000, agent="1001", department="engineering")  # x5
    s.call(utc(2026, 11, 23, 6, 0), "abandoned", department="service")  # x6
    x7 = s.call(utc(2026, 11, 22, 15, 0), ring_ms=1000, agent="1001", department="engineering")
    s.verdicts(x7, greeting=("fail", NO_GREETING))
    return {"x1": x1.id, "x2": x2.id, "x3": x3.id}


@pytest.fixture
def ids(seed):
    return seed(_calls)


def test_pass_rates_from_seeded_verdicts(ids, api):
    report = get_report(api, "compliance", **DAY)
    (row,) = report["rows"]
    assert (row["answered"], row["audited"], row["not_audited"]) == (5, 3, 2)
    expected = {  # rule: (passed, failed, n/a)
        "greeting": (2, 1, 0), "closing": (2, 1, 0), "hangup_order": (2, 1, 0), "rings": (3, 0, 0),
        "hold": (2, 0, 1), "privacy": (3, 0, 0), "transfer": (1, 0, 2),
    }
    for rule, (passed, failed, na) in expected.items():
        assert (row[f"{rule}_passed"], row[f"{rule}_failed"], row[f"{rule}_na"]) == (passed, failed, na), rule
        assert row[f"{rule}_pass_rate"] == pytest.approx(passed / (passed + failed), abs=1e-12), rule
    assert (row["verdicts_passed"], row["verdicts_failed"]) == (15, 3)
    assert row["pass_rate"] == pytest.approx(15 / 18, abs=1e-12)
    assert report["rules"] == list(expected)
    assert report["columns"] == list(row)


def test_failing_calls_newest_first_with_evidence_summary(ids, api):
    report = get_report(api, "compliance", **DAY)
    assert report["failures_total"] == 3 and report["failures_truncated"] is False
    failures = report["failures"]
    assert [(f["call_id"], f["rule"]) for f in failures] == [
        (ids["x2"], "greeting"), (ids["x2"], "hangup_order"), (ids["x1"], "closing")]
    first = failures[0]
    assert first["started_at"] == "2026-11-23T11:00:00.000+08:00"
    assert (first["agent"], first["department"]) == ("1001", "engineering")
    assert first["evidence"] == "no greeting (您好) in the agent's first words: 「喂，哪位？」"
    assert failures[1]["evidence"] == "the agent hung up first"
    assert failures[2]["evidence"] == "no thanks in the agent's words: 「好的，就这样。」"
    assert list(first) == report["failure_columns"]


def test_failures_limit(ids, api):
    report = get_report(api, "compliance", failures_limit=2, **DAY)
    assert [f["rule"] for f in report["failures"]] == ["greeting", "hangup_order"]
    assert report["failures_total"] == 3 and report["failures_truncated"] is True
    assert get_report(api, "compliance", failures_limit=0, **DAY)["failures"] == []
    assert api.get("/api/reports/compliance", params={"failures_limit": 1001}).status_code == 422
    assert api.get("/api/reports/compliance", params={"failures_limit": -1}).status_code == 422


def test_by_agent(ids, api):
    rows = rows_by(get_report(api, "compliance", group_by="agent", **DAY), "agent")
    assert list(rows) == ["1001", "1002"]  # the abandoned call is not answered: no row
    a, b = rows["1001"], rows["1002"]
    assert (a["answered"], a["audited"], a["not_audited"]) == (3, 2, 1)
    assert (a["greeting_passed"], a["greeting_failed"], a["greeting_pass_rate"]) == (1, 1, 0.5)
    assert (a["hangup_order_pass_rate"], a["rings_pass_rate"], a["transfer_pass_rate"]) == (0.5, 1.0, None)
    assert (a["verdicts_passed"], a["verdicts_failed"]) == (8, 3)
    assert (b["answered"], b["audited"], b["not_audited"], b["pass_rate"]) == (2, 1, 1, 1.0)
    assert (b["transfer_passed"], b["transfer_pass_rate"]) == (1, 1.0)


def test_by_department_and_filter(ids, api):
    rows = rows_by(get_report(api, "compliance", group_by="department", **DAY), "department")
    assert rows["engineering"]["closing_failed"] == 1 and rows["service"]["closing_failed"] == 0
    assert rows["service"]["department_name"] == "客服中心"
    report = get_report(api, "compliance", agent="1002", **DAY)
    assert report["rows"][0]["answered"] == 2 and report["failures"] == []


def test_whole_log_includes_the_day_before(ids, api):
    report = get_report(api, "compliance")
    assert report["rows"][0]["greeting_failed"] == 2 and report["failures_total"] == 4
    assert report["failures"][-1]["started_at"] == "2026-11-22T23:00:00.000+08:00"


def test_nothing_audited(seed, api):
    seed(lambda s: s.call(utc(2026, 11, 23, 2), ring_ms=1000, agent="1001"))
    (row,) = get_report(api, "compliance", **DAY)["rows"]
    assert (row["answered"], row["audited"], row["not_audited"]) == (1, 0, 1)
    assert row["greeting_pass_rate"] is None and row["pass_rate"] is None


def test_csv_rows_and_failures(ids, api):
    report = get_report(api, "compliance", group_by="agent", **DAY)
    resp = api.get("/api/reports/compliance", params={"group_by": "agent", "format": "csv", **DAY})
    assert resp.status_code == 200 and resp.headers["content-type"] == "text/csv; charset=utf-8"
    header, rows = parse_csv(resp.text)
    assert header == report["columns"]
    assert [r["agent"] for r in rows] == ["1001", "1002"]
    assert rows[0]["greeting_pass_rate"] == "0.5" and rows[0]["transfer_pass_rate"] == ""
    resp = api.get("/api/reports/compliance", params={"format": "csv", "part": "failures", **DAY})
    header, rows = parse_csv(resp.text)
    assert header == report["failure_columns"]
    assert [(int(r["call_id"]), r["rule"]) for r in rows] == [(f["call_id"], f["rule"]) for f in report["failures"]]
    assert 'filename="compliance-failures.csv"' in resp.headers["content-disposition"]
