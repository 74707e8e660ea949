"""The live wallboard in a real browser: a supervisor watches while agent 1001's phone
registers, a resident (陈明, 13800000001) calls and presses 1 (repair, engineering), 1001's
phone rings for a few seconds, answers, and the resident hangs up. Every change shows up
through the page's EventSource, without reloading."""
from __future__ import annotations

import pytest

from telephony.sipp.media import Digits, Silence
from telephony.sipp.phones import agent_phone, resident_call
from web_helpers import log_in, module_hotline, open_page

pytestmark = pytest.mark.e2e
PASSWORD = "hotline-demo"
RING_MS = 8000  # long enough to see the caller waiting and the phone ringing
CALL_TIMEOUT_MS = 40_000  # greeting, menu, ring and talk, on a busy machine
QUEUE = '#wb-queues section[data-queue="dept-engineering"]'
AGENT = '#wb-agents tr[data-agent="1001"]'


@pytest.fixture(scope="module")
def hotline(tmp_path_factory, web_db_url):
    # No transcription here: nothing to audit, and the CPU goes to the calls.
    yield from module_hotline(tmp_path_factory, web_db_url, analysis_workers="0")


def test_the_wallboard_shows_a_waiting_caller_and_the_agent_ringing_then_talking_live(browser, hotline, tmp_path):
    page, errors = open_page(browser)
    log_in(page, hotline, "supervisor", then="#/wallboard")
    page.wait_for_selector("#wb-status.live")
    page.evaluate("window.notReloaded = true")  # gone if the page ever reloads
    assert page.locator(AGENT).get_attribute("data-state") == "offline"  # not registered yet
    assert page.locator(f"{AGENT} td").nth(1).inner_text() == "王建国"
    assert page.locator(f"{QUEUE} h3").inner_text() == "工程维修"
    assert page.locator(f"{QUEUE} .calls-waiting").inner_text() == "0"

    agent = agent_phone(hotline.remote, tmp_path, user="1001", password=PASSWORD, ring_ms=RING_MS).start()
    page.wait_for_selector(f'{AGENT}[data-state="ready"]', timeout=CALL_TIMEOUT_MS)
    assert page.locator(f"{AGENT} .badge").inner_text() == "空闲"
    resident = resident_call(hotline.remote, tmp_path, caller_number="13800000001",
                             media=[Silence(1500), Digits("1"), Silence(20_000)], tail_ms=1000).start()

    # While the phone rings: the caller waits in engineering's queue, and the wait ticks.
    page.wait_for_function(
        f"""() => document.querySelector('{QUEUE} li.caller')
                  && document.querySelector('{AGENT}').dataset.state === 'ringing'""", timeout=CALL_TIMEOUT_MS)
    assert page.locator(f"{QUEUE} .calls-waiting").inner_text() == "1"
    waiting = page.locator(f"{QUEUE} li.caller")
    assert waiting.count() == 1
    assert "0001" in waiting.inner_text() and "第 1 位" in waiting.inner_text()
    assert page.locator(f"{AGENT} .badge").inner_text() == "振铃中"
    first = waiting.locator(".timer").inner_text()
    page.wait_for_function(f"t => document.querySelector('{QUEUE} li.caller .timer')?.textContent !== t",
                           arg=first, timeout=5000)  # the timer ticks between snapshots

    # Answered: talking, nobody waits any more.
    page.wait_for_selector(f'{AGENT}[data-state="talking"]', timeout=CALL_TIMEOUT_MS)
    page.wait_for_function(f"() => !document.querySelector('{QUEUE} li.caller')")
    assert page.locator(f"{QUEUE} .calls-waiting").inner_text() == "0"
    assert page.locator(f"{AGENT} .badge").inner_text() == "通话中"

    # The resident hangs up, and the SIPp phone un-registers right after (maybe within the
    # same snapshot, so "ready" in between may never be shown): offline at the end.
    resident.wait().check()
    agent.wait().check()
    page.wait_for_selector(f'{AGENT}[data-state="offline"]', timeout=CALL_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#wb-status").get_attribute("class") == "live-status live"

    page.select_option("#lang", "en")
    page.wait_for_selector("#wb-status.live")
    assert page.locator("h1").inner_text() == "Live wallboard"
    assert page.locator(f"{QUEUE} h3").inner_text() == "Engineering and repairs"
    assert page.locator(f"{AGENT} .badge").inner_text() == "Offline"
    assert page.locator(f"{QUEUE} .what").all_inner_texts() == ["Waiting", "Longest wait", "Agents ready"]
    assert errors == []
