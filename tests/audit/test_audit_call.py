"""Whole calls (audit_call) and single recordings (audit_text); hang-up order and rings."""
from __future__ import annotations

import json

import pytest

from telephony.audit import (
    RULES,
    AuditRules,
    CallFacts,
    Utterance,
    audit_call,
    audit_text,
    check_hangup_order,
    check_rings,
)


def A(start, end, text):
    return Utterance("agent", start, end, text)


def C(start, end, text):
    return Utterance("caller", start, end, text)


GOOD_CALL = [
    A(0.8, 4.2, "您好，何美物业服务中心，请问有什么可以帮您？"),
    C(4.8, 9.5, "你好，我家厨房水管爆了，三号楼二单元五零二。"),
    A(10.0, 13.5, "好的，请您稍等，我帮您查一下维修师傅的安排。"),
    A(14.0, 16.0, "这个需要一点时间，我稍后给您回电，可以吗？"),
    C(16.5, 17.5, "可以。"),
    A(45.0, 49.0, "师傅半小时内到。这个情况我帮您转接到工程部，请稍等。"),
    A(80.0, 84.0, "请问您还有其他需要吗？感谢您的来电，再见。"),
    C(84.5, 85.5, "没有了，谢谢，再见。"),
]
GOOD_FACTS = CallFacts(answered=True, rings=2, hangup_by="caller", holds=[(17.0, 44.0)], transfers=[50.0])

BAD_CALL = [
    A(1.0, 1.8, "喂，什么事？"),
    C(2.0, 5.0, "我想问一下物业费的事。"),
    A(5.5, 9.0, "请把您的身份证号码和银行卡号告诉我。"),
    A(40.0, 41.0, "好。"),
    A(60.0, 61.0, "知道了，挂了。"),
]
BAD_FACTS = CallFacts(answered=True, rings=5, hangup_by="agent", holds=[(10.0, 40.0)], transfers=[42.0])


def verdicts(vs):
    return {v.rule: v.verdict for v in vs}


def test_compliant_call_passes_every_rule():
    vs = audit_call(GOOD_CALL, GOOD_FACTS, AuditRules())
    assert [v.rule for v in vs] == list(RULES)
    assert verdicts(vs) == dict.fromkeys(RULES, "pass")
    by_rule = {v.rule: v for v in vs}
    assert by_rule["greeting"].evidence["matched"]["company"] == "何美 (hé měi ≈ 和美)"
    assert by_rule["hold"].evidence["matched"] == {"callback": "给您回电"}
    assert by_rule["transfer"].evidence["start"] == 45.0
    assert by_rule["closing"].evidence["start"] == 80.0


def test_non_compliant_call_fails_every_rule_with_evidence():
    vs = audit_call(BAD_CALL, BAD_FACTS)
    assert verdicts(vs) == dict.fromkeys(RULES, "fail")
    for v in vs:
        assert v.evidence["reason"], v
    by_rule = {v.rule: v for v in vs}
    assert by_rule["greeting"].evidence["first_words"] == "喂，什么事？"
    assert by_rule["privacy"].evidence["start"] == 5.5
    assert by_rule["hangup_order"].evidence["last_words"] == "知道了，挂了。"
    assert by_rule["rings"].evidence["rings"] == 5


def test_call_without_holds_or_transfers():
    vs = audit_call(GOOD_CALL, CallFacts(answered=True, rings=1, hangup_by="caller"))
    assert verdicts(vs)["hold"] == "n/a" and verdicts(vs)["transfer"] == "n/a"


def test_unanswered_call_is_not_applicable():
    vs = audit_call([], CallFacts(answered=False, rings=None, hangup_by="caller"))
    assert verdicts(vs) == dict.fromkeys(RULES, "n/a")


def test_evidence_is_json():
    for vs in (audit_call(GOOD_CALL, GOOD_FACTS), audit_call(BAD_CALL, BAD_FACTS)):
        for v in vs:
            assert json.loads(json.dumps(v.to_dict(), ensure_ascii=False)) == v.to_dict()


@pytest.mark.parametrize("hangup_by, verdict", [("agent", "fail"), ("caller", "pass"), ("system", "pass"), (None, "n/a")])
def test_hangup_order(hangup_by, verdict):
    v = check_hangup_order(CallFacts(answered=True, hangup_by=hangup_by))
    assert v.rule == "hangup_order" and v.verdict == verdict
    if verdict == "fail":
        assert v.evidence == {"reason": "the agent hung up first", "hangup_by": "agent"}
    assert check_hangup_order(CallFacts(answered=False, hangup_by=hangup_by)).verdict == "n/a"


@pytest.mark.parametrize("rings, verdict", [(1, "pass"), (3, "pass"), (4, "fail"), (None, "n/a")])
def test_rings(rings, verdict):
    v = check_rings(CallFacts(answered=True, rings=rings))
    assert v.verdict == verdict
    if verdict == "fail":
        assert v.evidence == {"reason": "answered after 4 rings (limit 3)", "rings": 4, "limit": 3}
    if verdict == "pass":
        assert v.evidence == {"rings": rings, "limit": 3}


def test_ring_limit_is_a_setting_and_unanswered_is_na():
    assert check_rings(CallFacts(answered=True, rings=4), AuditRules(ring_limit=4)).verdict == "pass"
    assert check_rings(CallFacts(answered=False, rings=6)).verdict == "n/a"


# --- single recordings --------------------------------------------------------------------

def test_audit_text_of_a_whole_agent_recording():
    text = ("您好，和美物业服务中心，请问有什么可以帮您？好的，我记下了，师傅半小时内到。"
            "请问您还有其他需要吗？感谢您的来电，再见。")
    result = audit_text(text)
    assert set(result) == {"greeting", "closing", "privacy"}
    assert {k: r["verdict"] for k, r in result.items()} == {"greeting": "pass", "closing": "pass", "privacy": "pass"}
    assert result["greeting"]["evidence"]["start"] == 0.0
    assert result["closing"]["evidence"]["matched"] == {"anything_else": "还有其他", "thanks": "感谢您的来电"}


def test_audit_text_judges_the_greeting_on_the_first_words_only():
    text = "喂，什么事？" + "嗯，嗯，好的，我看一下。" * 5 + "您好，和美物业。"
    assert audit_text(text)["greeting"]["verdict"] == "fail"
    assert audit_text(text)["greeting"]["evidence"]["first_words"].startswith("喂，什么事？")


def test_audit_text_with_segments():
    segments = [
        {"start": 0.4, "end": 1.0, "text": "你好,"},
        {"start": 1.1, "end": 3.0, "text": "何美物業服務中心,請問有什麼可以幫您?"},
        {"start": 30.0, "end": 33.0, "text": "先把你的身份證號碼和銀行卡號告訴我"},
    ]
    for result in (audit_text(segments), audit_text("ignored", segments=segments),
                   audit_text(Utterance.from_segments("agent", segments))):
        assert result["greeting"]["verdict"] == "pass"
        assert result["greeting"]["evidence"]["end"] == 3.0
        assert result["privacy"]["verdict"] == "fail" and result["privacy"]["evidence"]["start"] == 30.0
        assert result["closing"]["verdict"] == "fail"


def test_audit_text_of_silence():
    result = audit_text("")
    assert result["greeting"]["verdict"] == "fail" and result["closing"]["verdict"] == "fail"
    assert result["privacy"]["verdict"] == "n/a"


def test_audit_text_uses_the_rules():
    result = audit_text("您好，僅秀物業，请讲。", AuditRules(company_names=["锦绣物业"]))
    assert result["greeting"]["verdict"] == "pass"
    assert audit_text("您好，僅秀物業，请讲。")["greeting"]["verdict"] == "fail"


def test_evidence_of_a_long_recording_quotes_the_words_judged():
    middle = "好的，我看一下系统里的记录，您说的这个情况我们之前也遇到过，一般是楼上的管道问题。" * 8
    text = ("您好，和美物业服务中心，请问有什么可以帮您？" + middle + "您把银行卡号发给我吧。" + middle
            + "请问您还有其他需要吗？感谢您的来电，再见。")
    assert len(text) > 600
    result = audit_text(text)
    greeting = result["greeting"]["evidence"]
    assert greeting["text"].startswith("您好，和美物业服务中心，请问有什么可以帮您？") and len(greeting["text"]) < 60
    closing = result["closing"]["evidence"]
    assert result["closing"]["verdict"] == "pass" and closing["text"].endswith("感谢您的来电，再见。")
    assert len(closing["text"]) <= 202
    privacy = result["privacy"]["evidence"]
    assert result["privacy"]["verdict"] == "fail" and "银行卡号" in privacy["text"] and len(privacy["text"]) <= 202
    assert "银行卡号" in privacy["found"][0]["text"]
    # A failed closing quotes the last words, not the first.
    bad = audit_text(text.replace("请问您还有其他需要吗？感谢您的来电，再见。", "知道了，挂了。"))
    assert bad["closing"]["verdict"] == "fail" and bad["closing"]["evidence"]["last_words"].endswith("知道了，挂了。")
