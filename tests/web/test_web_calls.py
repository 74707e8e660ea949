"""The supervisors' page in a real browser, against a real hotline with real calls:
log in, filter the call log, open a call, play a leg, see its transcript and verdicts;
an agent can't open another agent's call; English; the dashboard's charts.

Two calls are placed once for the module (SIPp phones, as in tests/e2e):
- A: 陈明 (13800000001, 3-2-502) presses 1 (repair); agent 1001 answers and greets
  (greet_ok_01), the resident asks for a repair. Transcribed and audited by the hotline's
  own worker (real Whisper).
- B: 赵丽 (13800000002, 5-1-101) presses 3 (inquiry); agent 1002's phone rings, nobody
  answers, she hangs up: abandoned, never audited.
"""
from __future__ import annotations


import pytest

from web_helpers import log_in, module_hotline, open_page
from telephony.sipp.media import Digits, Silence, Speech
from telephony.sipp.phones import agent_phone, resident_call

pytestmark = pytest.mark.e2e
PASSWORD = "hotline-demo"


@pytest.fixture(scope="module")
def hotline(tmp_path_factory, web_db_url, whisper_model_dir):
    # One assembled Whisper model for every hotline the tests start.
    yield from module_hotline(tmp_path_factory, web_db_url, model_cache_dir=str(whisper_model_dir.parent))


@pytest.fixture(scope="module")
def calls(hotline, tmp_path_factory, shared_dir) -> dict:
    pcaps = shared_dir / "audio" / "hotline-dev" / "pcap"
    work = tmp_path_factory.mktemp("sipp")
    agent = agent_phone(hotline.remote, work / "a", user="1001", password=PASSWORD, ring_ms=3000,
                        greeting_pcap=pcaps / "greet_ok_01.pcap", talk_ms=9000).start()
    resident_call(hotline.remote, work / "a", caller_number="13800000001",
                  media=[Silence(1500), Digits("1"), Silence(14_000), Speech(pcaps / "req_repair_02.pcap")],
                  tail_ms=1500).run().check()
    agent.wait().check()
    ringing = agent_phone(hotline.remote, work / "b", user="1002", password=PASSWORD, answer=False,
                          wait_ms=40_000).start()
    resident_call(hotline.remote, work / "b", caller_number="13800000002",
                  media=[Silence(1500), Digits("3")], hold_ms=12_000).run().check()
    ringing.wait().check()
    a, b = hotline.wait_for_calls(2)
    assert (a["agent"], a["disposition"], b["disposition"]) == ("1001", "answered", "abandoned"), (a, b)
    audit = hotline.wait_for_audit(a["id"])
    assert audit["status"] == "done", audit
    return {"answered": a, "abandoned": b, "audit": audit}


def shown_call_ids(page) -> list[int]:
    page.wait_for_selector("#call-table, #calls-empty")
    return [int(i) for i in page.locator("#call-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.callId)")]


def search(page, **filters) -> list[int]:
    """Fill the filter form (selects by value, inputs by text) and search."""
    for name, value in filters.items():
        selector = f"#filter-{name}"
        if page.locator(selector).evaluate("el => el.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    with page.expect_response(lambda r: "/api/calls?" in r.url) as resp:
        page.click("#call-filters button[type=submit]")
    assert resp.value.status == 200
    page.wait_for_load_state()
    return shown_call_ids(page)


def test_the_supervisor_logs_in_and_filters_the_call_log(browser, hotline, calls):
    a, b = calls["answered"]["id"], calls["abandoned"]["id"]
    page, errors = open_page(browser)
    log_in(page, hotline, "supervisor")
    assert page.locator("#who").inner_text().startswith("质检主管")
    assert shown_call_ids(page) == [b, a]  # newest first
    assert page.locator("#call-table thead").inner_text().split("\t")[0].strip() == "来电时间"
    assert page.locator(f'tr[data-call-id="{a}"]').inner_text().count("1001 王建国") == 1

    assert search(page, agent="1001") == [a]
    assert "agent=1001" in page.url  # the filters live in the address: Back and bookmarks work
    assert search(page, agent="", category="inquiry") == [b]
    assert search(page, category="", department="engineering") == [a]
    assert search(page, department="", unit="5-1-101") == [b]
    assert search(page, unit="", verdict="greeting:pass") == [a]
    assert search(page, verdict="greeting:fail") == []
    assert page.locator("#calls-empty").inner_text() == "没有符合条件的通话"
    # Times are the hotline's (Asia/Shanghai), whatever the browser's zone (UTC here).
    today = calls["answered"]["started_at"][:10]
    assert search(page, verdict="", since=f"{today}T00:00") == [b, a]
    assert search(page, since="2099-01-01T00:00") == []
    page.go_back()  # the previous search, from the address
    assert shown_call_ids(page) == [b, a]
    assert errors == []


def test_a_call_shows_its_fields_plays_its_legs_and_marks_the_evidence(browser, hotline, calls):
    call = calls["answered"]
    page, errors = open_page(browser)
    log_in(page, hotline, "supervisor")
    page.click(f'tr[data-call-id="{call["id"]}"] a')
    page.wait_for_selector("#call-fields")
    assert page.url.endswith(f"#/calls/{call['id']}")
    field = lambda name: page.locator(f'#call-fields dd[data-field="{name}"]').inner_text()  # noqa: E731
    assert field("caller_name") == "陈明" and field("unit") == "3-2-502"  # a supervisor sees residents
    assert field("agent") == "1001 王建国" and field("category") == "报修"
    assert field("disposition") == "已接听" and field("rings") == str(call["rings"])
    assert field("uniqueid") == call["uniqueid"]

    # Both legs' recordings, through the API with the login cookie.
    for leg in ("caller", "agent"):
        audio = page.locator(f"#audio-{leg}")
        assert audio.get_attribute("src") == call["recording"][leg]
        assert audio.get_attribute("src").startswith("/api/recordings/")
        page.wait_for_function(f"() => document.querySelector('#audio-{leg}').duration > 5")

    # The transcript: both speakers, in time order.
    lines = page.locator("#transcript li")
    starts = [float(s) for s in lines.evaluate_all("ls => ls.map(l => l.dataset.start)")]
    legs = lines.evaluate_all("ls => ls.map(l => l.dataset.leg)")
    assert starts == sorted(starts) and {"caller", "agent"} <= set(legs), (starts, legs)
    agent_text = " ".join(page.locator('#transcript li[data-leg="agent"]').all_inner_texts())
    assert "物业" in agent_text, agent_text

    # The verdicts, with the greeting's matched words marked in the agent's line.
    audit = calls["audit"]["verdicts"]
    rows = page.locator("#audit tr[data-rule]")
    assert rows.count() == len(audit)
    greeting = page.locator('#audit tr[data-rule="greeting"]')
    assert greeting.get_attribute("data-verdict") == audit["greeting"]["verdict"] == "pass"
    assert "合格" in greeting.inner_text() and "问候语" in greeting.inner_text()
    marks = page.locator('#transcript li[data-leg="agent"] mark.ev[data-rule="greeting"]')
    assert marks.count() >= 1
    assert any(m in audit["greeting"]["evidence"]["matched"]["greeting"] for m in marks.all_inner_texts())

    # A click on the agent's first line plays the agent's leg from there.
    first = page.locator('#transcript li[data-leg="agent"]').first
    start = float(first.get_attribute("data-start"))
    first.click()
    page.wait_for_function(
        """start => { const a = document.querySelector('#audio-agent');
                      return !a.paused && a.readyState >= 2 && !a.error && a.currentTime > start + 0.5; }""",
        arg=start)
    assert page.evaluate("document.querySelector('#audio-caller').paused")
    assert errors == []


def test_a_call_without_verdicts_says_not_yet_audited(browser, hotline, calls):
    call = calls["abandoned"]
    page, errors = open_page(browser)
    log_in(page, hotline, "supervisor", then=f"#/calls/{call['id']}")  # back where we wanted after login
    page.wait_for_selector("#call-fields")
    assert page.locator('#call-fields dd[data-field="disposition"]').inner_text() == "未接听挂断"
    assert page.locator("#not-audited").inner_text() == "尚未审核"
    assert page.locator("audio").count() == 0
    assert "无录音" in page.locator(".recordings").inner_text()
    assert errors == []


def test_an_agent_cannot_open_another_agents_call(browser, hotline, calls):
    call = calls["answered"]  # answered by 1001
    page, errors = open_page(browser)
    log_in(page, hotline, "agent1002")
    assert page.locator("#nav a").all_inner_texts() == ["通话记录", "统计报表"]  # no wallboard for agents
    assert shown_call_ids(page) == []  # 1002 answered none of them
    with page.expect_response(lambda r: r.url.endswith(f"/api/calls/{call['id']}")) as resp:
        page.goto(f"{hotline.base_url}/#/calls/{call['id']}")
    assert resp.value.status == 403
    page.wait_for_selector("#call-error")
    assert page.locator("#call-error").inner_text() == "您无权查看此通话"
    assert page.locator("#call-fields, audio, #transcript, #audit").count() == 0
    body = page.locator("main").inner_text()
    for value in (call["uniqueid"], "13800000001", "陈明", "3-2-502", "王建国"):
        assert value not in body
    assert errors == []


def test_the_language_switch_shows_english_and_is_remembered_after_logout(browser, hotline, calls):
    page, errors = open_page(browser)
    log_in(page, hotline, "supervisor")
    shown_call_ids(page)
    page.select_option("#lang", "en")
    page.wait_for_selector("#call-table")
    assert page.locator("#nav a").all_inner_texts() == ["Call log", "Dashboard", "Wallboard"]
    assert page.locator("h1").inner_text() == "Call log"
    assert page.locator('label[for="filter-agent"]').inner_text() == "Agent"
    assert "Repair" in page.locator(f'tr[data-call-id="{calls["answered"]["id"]}"]').inner_text()
    page.reload()
    page.wait_for_selector("#call-table")
    assert page.locator("h1").inner_text() == "Call log"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#logout").inner_text() == "Log out"
    page.click("#logout")  # the session ends; the language stays
    page.wait_for_selector("#login-form")
    assert page.locator("#login-form h1").inner_text() == "Log in"
    page.goto(f"{hotline.base_url}/#/calls")
    page.wait_for_selector("#login-form")  # no session any more: back to the login
    page.select_option("#lang", "zh")
    page.wait_for_function("document.querySelector('#login-form h1')?.textContent === '登录'")
    assert errors == []


def values(page, chart: str, shape: str = "rect.bar") -> dict[str, float]:
    bars = page.locator(f"#{chart} svg {shape}")
    return {b["label"]: float(b["value"]) for b in bars.evaluate_all(
        "els => els.map(e => ({label: e.dataset.label, value: e.dataset.value}))")}


def test_the_dashboard_draws_its_charts_from_the_reports(browser, hotline, calls):
    page, errors = open_page(browser)
    log_in(page, hotline, "supervisor", then="#/dashboard")
    for chart in ("chart-rings", "chart-service-level", "chart-compliance", "chart-volume"):
        page.wait_for_selector(f"figure#{chart} svg")
    rings = values(page, "chart-rings")
    assert sum(rings.values()) == 1 and rings[f"{calls['answered']['rings']} 声"] == 1, rings
    assert values(page, "chart-volume") == {"报修": 1, "咨询": 1}
    [(agent, rate)] = values(page, "chart-compliance").items()
    assert agent == "1001 王建国" and 0 <= rate <= 1
    [(day, level)] = values(page, "chart-service-level", "circle.point").items()
    assert day == calls["answered"]["started_at"][5:10] and level == 1.0
    page.select_option("#lang", "en")
    page.wait_for_selector("figure#chart-volume svg")
    assert values(page, "chart-volume") == {"Repair": 1, "Inquiry": 1}
    assert page.locator("figure#chart-volume figcaption").inner_text() == "Calls by category"
    assert errors == []
