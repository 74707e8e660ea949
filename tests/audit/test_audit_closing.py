"""Closing: near the end the agent asks whether anything else is needed and/or thanks the caller."""
from __future__ import annotations

import pytest

from telephony.audit import AuditRules, Utterance, check_closing


def A(start, end, text):
    return Utterance("agent", start, end, text)


def C(start, end, text):
    return Utterance("caller", start, end, text)


def call(*last_agent_words, end=120.0):
    """A call whose agent leg ends with the given words."""
    utts = [
        A(0.5, 3.0, "您好，和美物业服务中心，请问有什么可以帮您？"),
        C(3.5, 7.0, "我家厨房水管漏水了，三号楼二单元五零二。"),
        A(7.5, 11.0, "好的，我马上安排维修师傅过去，大概半小时到。"),
        C(11.5, 13.0, "好的。"),
    ]
    t = end - 3.0 * len(last_agent_words)
    for words in last_agent_words:
        utts.append(A(t, t + 2.5, words))
        t += 3.0
    return utts


@pytest.mark.parametrize("words, matched", [
    ("请问您还有其他需要吗？感谢您的来电，再见。", {"anything_else": "还有其他", "thanks": "感谢您的来电"}),
    ("好的，还有什么可以帮您的吗？谢谢您的来电。", {"anything_else": "还有什么", "thanks": "谢谢您的来电"}),
    ("请问还有别的需要吗？", {"anything_else": "还有别的"}),
    ("好的，感谢来电，再见。", {"thanks": "感谢来电"}),
    ("請問您還有其他需要嗎?感謝您的來電,再見!", {"anything_else": "還有其他", "thanks": "感謝您的來電"}),
    ("好的,還有什麼可以幫您的嗎?謝謝您的來定", {"anything_else": "還有什麼", "thanks": "謝謝"}),  # ASR
])
def test_compliant_closings_pass(words, matched):
    v = check_closing(call(words))
    assert v.verdict == "pass", v.evidence
    assert v.evidence["matched"] == matched
    assert v.evidence["text"] == words and v.evidence["start"] == 117.0


@pytest.mark.parametrize("words", ["行了，就这样吧。", "知道了，挂了。", "嗯，好，拜拜。"])
def test_abrupt_closings_fail(words):
    v = check_closing(call(words))
    assert v.verdict == "fail"
    assert v.evidence["reason"] == "no offer of further help and no thanks in the agent's last words"
    assert v.evidence["last_words"].endswith(words)


def test_requiring_both_parts():
    both = AuditRules(closing_require="both")
    assert check_closing(call("请问您还有其他需要吗？感谢您的来电。"), both).verdict == "pass"
    v = check_closing(call("好的，谢谢您的来电，再见。"), both)
    assert v.verdict == "fail" and v.evidence["reason"].startswith("no offer of further help")
    assert v.evidence["matched"] == {"thanks": "谢谢您的来电"}
    v = check_closing(call("还有别的问题吗？"), AuditRules(closing_require="thanks"))
    assert v.verdict == "fail" and v.evidence["reason"].startswith("no thanks")


def test_thanks_early_in_the_call_is_not_a_closing():
    utts = [A(0.5, 3.0, "您好，和美物业。"), A(5.0, 7.0, "感谢您的耐心等待。")]
    utts += [A(60.0 + 10 * i, 62.0 + 10 * i, f"这个第{i}步您看一下。") for i in range(8)]
    utts.append(A(150.0, 152.0, "知道了，挂了。"))
    assert check_closing(utts).verdict == "fail"
    # A single-recording audit judges the whole text.
    assert check_closing(utts, whole=True).verdict == "pass"


def test_tail_is_last_k_utterances_or_last_n_seconds():
    utts = [A(0.5, 3.0, "您好，和美物业。"), A(90.0, 92.0, "还有其他需要吗？")]
    utts += [A(100.0 + 2 * i, 101.5 + 2 * i, "嗯，好的。") for i in range(5)]  # ends at 109.5
    assert check_closing(utts).verdict == "pass"  # within the last 30 s
    assert check_closing(utts, AuditRules(closing_last_s=10.0)).verdict == "fail"
    assert check_closing(utts, AuditRules(closing_last_s=10.0, closing_last_utterances=6)).verdict == "pass"


def test_the_callers_thanks_do_not_count():
    utts = call("嗯。") + [C(125.0, 126.0, "好的，谢谢，再见。")]
    assert check_closing(utts).verdict == "fail"


def test_no_agent_speech():
    v = check_closing([C(0.0, 1.0, "喂？")])
    assert v.verdict == "fail" and v.evidence["reason"] == "no agent speech"
