"""GET /api/recordings/{token}: by unguessable token, with Range, for those who may see the
call, every access logged; GET /api/access-log (both databases)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from access_fixtures import get, world  # noqa: F401 (a fixture)
from telephony.db.models import Recording, RecordingAccess


def _urls(world, user, uid) -> dict:
    return get(world, user, f"/api/calls/{world[2][uid]}").json()["recording"]


def _accesses(db) -> list[tuple]:
    with db.session() as s:
        return [(r.username, r.call_id, r.leg, r.action, r.client)
                for r in s.scalars(select(RecordingAccess).order_by(RecordingAccess.id))]


def test_call_json_links_recordings_by_token_not_by_path(world, settings):
    urls = _urls(world, "sup", "eng")
    assert set(urls) == {"caller", "agent", "mixed"}
    tokens = {leg: re.fullmatch(r"/api/recordings/([A-Za-z0-9_-]{43})", url).group(1) for leg, url in urls.items()}
    assert len(set(tokens.values())) == 3
    assert str(settings.recordings_dir) not in get(world, "sup", "/api/calls").text
    assert _urls(world, "sup", "eng") == urls == _urls(world, "admin", "eng")  # made once, then kept
    assert get(world, "admin", "/api/calls").json()["items"][-1]["recording"] == urls  # the list agrees
    assert _urls(world, "a1002", "svc") == {"caller": None, "agent": _urls(world, "admin", "svc")["agent"],
                                            "mixed": None}
    assert _urls(world, "admin", "sec") == {"caller": None, "agent": None, "mixed": None}


def test_a_recording_plays_whole_and_by_range(world, db, settings):
    url = _urls(world, "a1001", "eng")["agent"]
    data = (settings.recordings_dir / "eng-agent.wav").read_bytes()
    whole = get(world, "a1001", url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("inline")
    client, headers, _ = world
    part = client.get(url, headers={**headers["a1001"], "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    download = get(world, "a1001", url, download=1)
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-disposition"].startswith("attachment")
    assert f'filename="call-{world[2]["eng"]}-agent.wav"' in download.headers["content-disposition"]
    eng = world[2]["eng"]
    assert _accesses(db) == [("a1001", eng, "agent", "play", "testclient"),
                             ("a1001", eng, "agent", "play", "testclient"),
                             ("a1001", eng, "agent", "download", "testclient")]


@pytest.mark.parametrize("user", ["a1002", "sup"])
def test_a_recording_of_someone_elses_call_is_403_and_not_served(world, db, user):
    url = _urls(world, "a1001", "eng")["mixed"] if user == "a1002" else _urls(world, "admin", "svc")["agent"]
    resp = get(world, user, url)
    assert resp.status_code == 403 and list(resp.json()) == ["detail"]
    assert _accesses(db) == []


def test_without_a_token_or_with_a_guess_there_is_nothing(world, db):
    client, _, ids = world
    url = _urls(world, "admin", "eng")["caller"]
    assert client.get(url).status_code == 401
    for guess in (f"/api/recordings/{ids['eng']}", "/api/recordings/" + "A" * 43):
        resp = get(world, "admin", guess)
        assert resp.status_code == 404 and resp.json() == {"detail": "no such recording"}
    assert _accesses(db) == []


def test_a_missing_file_is_404_with_a_clear_message(world, db, settings):
    url = _urls(world, "sup", "eng")["caller"]
    (settings.recordings_dir / "eng-caller.wav").unlink()
    resp = get(world, "sup", url)
    assert resp.status_code == 404
    assert resp.json()["detail"] == f"the recording file of the caller leg of call {world[2]['eng']} is missing"
    assert _accesses(db) == []


def test_a_path_outside_the_recordings_directory_is_not_served(world, db, tmp_path):
    url = _urls(world, "sup", "eng")["mixed"]
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(b"RIFF")
    with db.session() as s:
        s.execute(update(Recording).where(Recording.token == url.rsplit("/", 1)[1]).values(path=str(outside)))
    resp = get(world, "sup", url)
    assert resp.status_code == 404 and "outside the recordings directory" in resp.json()["detail"]


def test_the_access_log_admins_everything_supervisors_their_departments(world):
    get(world, "a1001", _urls(world, "a1001", "eng")["agent"])
    get(world, "admin", _urls(world, "admin", "svc")["agent"], download=1)
    get(world, "sup", _urls(world, "sup", "eng")["mixed"])
    eng, svc = world[2]["eng"], world[2]["svc"]

    log = get(world, "admin", "/api/access-log").json()
    assert log["total"] == 3 and (log["limit"], log["offset"]) == (50, 0)
    assert [(e["username"], e["call_id"], e["leg"], e["action"]) for e in log["items"]] == [
        ("sup", eng, "mixed", "play"), ("admin", svc, "agent", "download"), ("a1001", eng, "agent", "play")]
    assert log["items"][0]["at"].endswith("+08:00") and log["items"][0]["client"] == "testclient"
    mine = get(world, "sup", "/api/access-log").json()
    assert [(e["username"], e["call_id"]) for e in mine["items"]] == [("sup", eng), ("a1001", eng)]
    page = get(world, "admin", "/api/access-log", limit=1, offset=1).json()
    assert page["total"] == 3 and [e["username"] for e in page["items"]] == ["admin"]
    assert [e["username"] for e in get(world, "admin", "/api/access-log", call_id=svc).json()["items"]] == ["admin"]
    assert get(world, "admin", "/api/access-log", username="A1001").json()["total"] == 1
    for user in ("a1001", "a1002"):
        assert get(world, user, "/api/access-log").status_code == 403
    assert get(world, "admin", "/api/access-log", limit=0).status_code == 422
