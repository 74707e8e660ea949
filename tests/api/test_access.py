"""Who sees which calls, masked how; recordings by token with every access logged (both databases)."""
from __future__ import annotations

import pytest

from access_fixtures import CALLS, world  # noqa: F401 (a fixture)
from access_fixtures import get as _get


def _uids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [c["uniqueid"] for c in resp.json()["items"]]


@pytest.mark.parametrize("user,expected", [
    ("admin", ["sec", "svc", "eng"]),
    ("sup", ["eng"]),
    ("a1001", ["eng"]),
    ("a1002", ["svc"]),
])
def test_the_call_list_holds_only_the_users_calls(world, user, expected):
    resp = _get(world, user, "/api/calls")
    assert _uids(resp) == expected and resp.json()["total"] == len(expected)
    assert _uids(_get(world, user, "/api/calls", category="repair", limit=1)) == expected[:1]


@pytest.mark.parametrize("user,hidden", [("a1001", "svc"), ("a1002", "eng"), ("sup", "svc"), ("sup", "sec")])
def test_another_ones_call_is_403_and_tells_nothing(world, user, hidden):
    call_id = world[2][hidden]
    _, _, number, name, unit, _ = CALLS[hidden]
    for path in (f"/api/calls/{call_id}", f"/api/calls/{call_id}/transcript", f"/api/calls/{call_id}/audit"):
        resp = _get(world, user, path)
        assert resp.status_code == 403, (path, resp.text)
        assert list(resp.json()) == ["detail"]
        for secret in filter(None, (number, name, unit, hidden, CALLS[hidden][0])):
            assert secret not in resp.text, (path, secret)


def test_own_calls_detail_transcript_and_audit(world):
    eng = world[2]["eng"]
    for user in ("admin", "sup", "a1001"):
        assert _get(world, user, f"/api/calls/{eng}").json()["uniqueid"] == "eng"
        assert _get(world, user, f"/api/calls/{eng}/audit").json()["verdicts"]["greeting"]["verdict"] == "pass"
        assert _get(world, user, f"/api/calls/{eng}/transcript").json()["legs"]["caller"]["text"]
    assert _get(world, "a1001", "/api/calls/999999").status_code == 404


def test_filters_outside_ones_calls_are_403(world):
    assert _get(world, "a1001", "/api/calls", agent="1002").status_code == 403
    assert _uids(_get(world, "a1001", "/api/calls", agent="1001")) == ["eng"]
    resp = _get(world, "sup", "/api/calls", department="service")
    assert resp.status_code == 403 and "service" in resp.json()["detail"]
    assert _uids(_get(world, "sup", "/api/calls", department="engineering")) == ["eng"]


def test_filtering_by_unit_is_for_supervisors(world):
    assert _uids(_get(world, "sup", "/api/calls", unit="3-2-502")) == ["eng"]
    for user in ("admin", "a1001"):
        resp = _get(world, user, "/api/calls", unit="3-2-502")
        assert resp.status_code == 403 and "unit" in resp.json()["detail"]


@pytest.mark.parametrize("user", ["admin", "a1001"])
def test_residents_are_masked_for_admins_and_agents(world, user):
    eng = world[2]["eng"]
    for call in (_get(world, user, f"/api/calls/{eng}").json(), _get(world, user, "/api/calls").json()["items"][-1]):
        assert (call["caller_number"], call["caller_name"], call["unit"]) == ("138****0001", "陈*", "3-*-***")
    assert "13800000001" not in _get(world, user, "/api/calls").text


def test_a_supervisor_sees_their_residents_in_full(world):
    call = _get(world, "sup", f"/api/calls/{world[2]['eng']}").json()
    assert (call["caller_number"], call["caller_name"], call["unit"]) == ("13800000001", "陈明", "3-2-502")


def test_admins_reports_cover_everything_supervisors_their_departments_agents_themselves(world):
    def volume(user, **params):
        resp = _get(world, user, "/api/reports/volume", group_by="department", **params)
        assert resp.status_code == 200, resp.text
        return {r["department"]: r["calls"] for r in resp.json()["rows"]}

    assert volume("admin") == {"engineering": 1, "security": 1, "service": 1}
    assert volume("sup") == {"engineering": 1}
    assert volume("a1001") == {"engineering": 1}
    assert volume("a1002") == {"service": 1}
    assert _get(world, "sup", "/api/reports/volume").json()["departments"] == ["engineering"]
    for report in ("answer-time", "compliance", "volume"):
        assert _get(world, "sup", f"/api/reports/{report}", department="service").status_code == 403
        assert _get(world, "a1001", f"/api/reports/{report}", agent="1002").status_code == 403
        resp = _get(world, "a1002", f"/api/reports/{report}", format="csv", group_by="agent")
        assert resp.status_code == 200 and "1001" not in resp.text
    failures = _get(world, "a1001", "/api/reports/compliance").json()["failures"]
    assert failures == []  # svc's failed greeting is 1002's, not theirs
    assert [f["uniqueid"] for f in _get(world, "admin", "/api/reports/compliance").json()["failures"]] == ["svc"]
