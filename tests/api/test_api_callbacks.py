"""GET /api/callbacks, POST /api/callbacks/{id}/done: who sees which, masking, marking done."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from auth_helpers import create_user, login
from telephony.api.main import create_app
from telephony.logging.calllog import CallOutcome, call_ended, finish_call, open_call

NOW = datetime.now(timezone.utc)


def _missed(s, settings, uid, ago, category, department, number):
    started = NOW - ago
    call = open_call(s, uniqueid=uid, started_at=started, caller_number=number, category=category,
                     department=department)
    finish_call(call, CallOutcome(ended_at=started + timedelta(seconds=30), disposition="abandoned",
                                  hangup_by="caller", department=department), settings.ring_cadence_ms)
    call_ended(s, call, settings)


@pytest.fixture
def api(settings, db):
    with db.session() as s:
        _missed(s, settings, "late", timedelta(hours=3), "complaint", "service", "13800000001")  # overdue
        _missed(s, settings, "due", timedelta(hours=1), "repair", "engineering", "13800000002")  # due in ~3 h
        _missed(s, settings, "menu", timedelta(minutes=5), None, None, "13800000003")  # reception's
    create_user(db, "admin", "admin")
    create_user(db, "eng", "supervisor", departments=["engineering"])
    create_user(db, "svc", "supervisor", departments=["service"])
    create_user(db, "a1001", "agent", agent="1001")
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        yield client
    app.state.db.engine.dispose()


def _list(api, user, **params):
    resp = api.get("/api/callbacks", params=params, headers=login(api, user))
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_oldest_due_first_with_overdue_flag(api):
    items = _list(api, "svc")["items"]
    assert [(i["department"], i["overdue"], i["status"]) for i in items] == [
        ("service", True, "open"), ("service", False, "open")]
    assert items[0]["phone"] == "13800000001"  # supervisors see numbers in full: they call back
    assert items[0]["category"] == "complaint" and items[1]["category"] is None


def test_supervisors_see_their_departments_and_admins_all_masked(api):
    assert [i["department"] for i in _list(api, "eng")["items"]] == ["engineering"]
    everything = _list(api, "admin")
    assert everything["total"] == 3
    assert {i["phone"] for i in everything["items"]} == {"138****0001", "138****0002", "138****0003"}


def test_filters(api):
    assert _list(api, "admin", overdue="true")["total"] == 1
    assert _list(api, "admin", overdue="false")["total"] == 2
    assert _list(api, "admin", department="engineering")["total"] == 1
    assert _list(api, "admin", status="done")["total"] == 0
    assert api.get("/api/callbacks", params={"status": "bogus"}, headers=login(api, "admin")).status_code == 422


def test_agents_have_no_callback_desk(api):
    assert api.get("/api/callbacks", headers=login(api, "a1001")).status_code == 403


def test_marking_done(api):
    (cb,) = _list(api, "eng")["items"]
    headers = login(api, "eng")
    resp = api.post(f"/api/callbacks/{cb['id']}/done", json={"note": "已回电，明早上门"}, headers=headers)
    assert resp.status_code == 200, resp.text
    done = resp.json()
    assert (done["status"], done["done_how"], done["done_by"], done["note"]) == (
        "done", "called_back", "eng", "已回电，明早上门")
    assert _list(api, "eng", status="open")["total"] == 0


def test_marking_another_departments_callback_is_refused(api):
    (cb,) = [i for i in _list(api, "svc")["items"] if i["overdue"]]
    resp = api.post(f"/api/callbacks/{cb['id']}/done", json={}, headers=login(api, "eng"))
    assert resp.status_code == 403
    assert "13800000001" not in resp.text
    assert _list(api, "svc", status="open")["total"] == 2


def test_bad_input(api):
    headers = login(api, "admin")
    assert api.post("/api/callbacks/99999/done", json={}, headers=headers).status_code == 404
    assert api.post("/api/callbacks/1/done", json={"note": "x" * 5000}, headers=headers).status_code == 422
    api.cookies.clear()
    assert api.get("/api/callbacks").status_code == 401
