"""Hold: longer than 20 s needs an offer to call back (JLL D)."""
from __future__ import annotations

from telephony.audit import AuditRules, CallFacts, Utterance, check_hold


def A(start, end, text):
    return Utterance("agent", start, end, text)


OFFER = A(10.0, 13.0, "这个需要一点时间，我稍后给您回电，可以吗？")
WAIT = A(10.0, 12.0, "请您稍等，我帮您查询一下。")


def test_no_holds_is_not_applicable():
    assert check_hold([WAIT], CallFacts(holds=[])).verdict == "n/a"
    assert check_hold([WAIT], CallFacts(answered=False, holds=[(1, 2)])).verdict == "n/a"


def test_short_hold_passes():
    v = check_hold([WAIT], CallFacts(holds=[(13.0, 28.0)]))
    assert v.verdict == "pass"
    assert v.evidence["holds"][0] == {
        "start": 13.0, "end": 28.0, "duration": 15.0, "long": False, "callback": None, "ok": True,
        "announced": {"word": "帮您查", "heard": "帮您查", "text": WAIT.text, "start": 10.0, "end": 12.0},
    }


def test_hold_of_exactly_the_limit_passes():
    assert check_hold([WAIT], CallFacts(holds=[(13.0, 33.0)])).verdict == "pass"


def test_long_hold_without_offer_fails():
    v = check_hold([WAIT], CallFacts(holds=[(13.0, 48.0)]))
    assert v.verdict == "fail"
    assert v.evidence["reason"] == "hold of 35.0 s at 13.0 s, longer than 20 s, without an offer to call back"
    assert (v.evidence["start"], v.evidence["end"]) == (13.0, 48.0)
    assert v.evidence["holds"][0]["long"] is True


def test_long_hold_with_offer_before_passes():
    v = check_hold([OFFER], CallFacts(holds=[(14.0, 50.0)]))
    assert v.verdict == "pass"
    assert v.evidence["matched"] == {"callback": "给您回电"}
    assert (v.evidence["text"], v.evidence["start"]) == (OFFER.text, 10.0)


def test_offer_during_the_hold_counts_after_it_does_not():
    during = A(30.0, 33.0, "不好意思让您久等了，我们查好之后给您回电话。")
    assert check_hold([WAIT, during], CallFacts(holds=[(13.0, 48.0)])).verdict == "pass"
    after = A(50.0, 53.0, "我们稍后联系您。")
    assert check_hold([WAIT, after], CallFacts(holds=[(13.0, 48.0)])).verdict == "fail"


def test_offer_phrasings():
    for text in ("我们查好后跟您联系。", "稍后再覆电给您。", "我这边记下来，晚点回复您。", "我一会儿给您打过去。"):
        assert check_hold([A(10, 12, text)], CallFacts(holds=[(13.0, 60.0)])).verdict == "pass", text


def test_misheard_offer_matches_by_sound():
    asr = A(10.0, 13.0, "這個需要一點時間我稍後給你回店可以嗎?")  # 回电 → 回店, 您 → 你
    v = check_hold([asr], CallFacts(holds=[(14.0, 50.0)]))
    assert v.verdict == "pass"
    assert v.evidence["matched"] == {"callback": "給你回店 (≈ 给你回电)"}


def test_caller_words_are_no_offer():
    caller = Utterance("caller", 10.0, 12.0, "你们稍后给我回电吧。")
    assert check_hold([caller], CallFacts(holds=[(13.0, 48.0)])).verdict == "fail"


def test_callback_lookback():
    facts = CallFacts(holds=[(200.0, 240.0)])
    assert check_hold([OFFER], facts).verdict == "pass"
    assert check_hold([OFFER], facts, AuditRules(callback_lookback_s=60)).verdict == "fail"


def test_hold_limit_is_a_setting():
    assert check_hold([WAIT], CallFacts(holds=[(13.0, 48.0)]), AuditRules(hold_limit_s=40)).verdict == "pass"


def test_every_hold_is_judged():
    v = check_hold([WAIT, A(60.0, 62.0, "再稍等一下。")], CallFacts(holds=[(13.0, 20.0), (63.0, 100.0)]))
    assert v.verdict == "fail" and v.evidence["start"] == 63.0
    assert [h["ok"] for h in v.evidence["holds"]] == [True, False]


def test_announcement_can_be_required():
    rules = AuditRules(hold_require_announcement=True)
    assert check_hold([WAIT], CallFacts(holds=[(13.0, 20.0)]), rules).verdict == "pass"
    v = check_hold([A(10.0, 12.0, "嗯。")], CallFacts(holds=[(13.0, 20.0)]), rules)
    assert v.verdict == "fail" and v.evidence["reason"] == "hold at 13.0 s not announced to the caller"
    # The second hold needs its own announcement.
    v = check_hold([WAIT], CallFacts(holds=[(13.0, 20.0), (40.0, 45.0)]), rules)
    assert v.verdict == "fail" and v.evidence["start"] == 40.0
