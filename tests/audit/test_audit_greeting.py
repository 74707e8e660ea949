"""Greeting: the agent's first words, within 5 s of answer, say 您好 and the company."""
from __future__ import annotations

import pytest

from telephony.audit import AuditRules, Utterance, check_greeting


def A(start, end, text):
    return Utterance("agent", start, end, text)


def C(start, end, text):
    return Utterance("caller", start, end, text)


RULES = AuditRules(company_names=["和美物业", "和美"])


@pytest.mark.parametrize("text", [
    "您好，和美物业服务中心，请问有什么可以帮您？",
    "您好，这里是和美物业服务中心，请问有什么可以帮您？",
    "您好，和美物业，我是小李，有什么可以帮您的吗？",
    "您好，和美物业客服中心，工号一零二为您服务，请问您有什么需要帮助的吗？",
    "和美物业工程部，您好！",
    "您好，这是和美管理处。",
    "您好,何美物業服務中心,請問有什麼可以幫您?",  # ASR: homophone name, traditional characters
    "河眉屋夜工審部,您好",  # ASR on µ-law: every syllable right, every character wrong
])
def test_standard_greetings_pass(text):
    v = check_greeting([A(0.6, 3.9, text)], RULES)
    assert v.rule == "greeting" and v.verdict == "pass", v.evidence
    assert v.evidence["text"] == text and v.evidence["start"] == 0.6 and v.evidence["end"] == 3.9
    assert set(v.evidence["matched"]) == {"greeting", "company"}


def test_evidence_of_a_misheard_company_and_greeting():
    v = check_greeting([A(1.2, 3.4, "你好，何美物业，我是小李，有什么可以帮您的吗？")], RULES)
    assert v.verdict == "pass"
    assert v.evidence["matched"] == {"greeting": "你好 (accepted for 您好)", "company": "何美 (hé měi ≈ 和美)"}
    assert v.evidence["company_match"]["heard"] == "何美"
    assert (v.evidence["start"], v.evidence["end"]) == (1.2, 3.4)


@pytest.mark.parametrize("text, missing", [
    ("喂，什么事？", ["greeting", "company"]),
    ("喂，你说。", ["greeting", "company"]),
    ("物业，讲。", ["greeting", "company"]),
    ("哎，等一下，我这边忙着呢。", ["greeting", "company"]),
    ("您好，请问有什么可以帮您？", ["company"]),
    ("您好，华美物业，请问有什么可以帮您？", ["company"]),  # another company
    ("您好，万科物业服务中心。", ["company"]),
    ("和美物业，讲。", ["greeting"]),
    ("和美物业工程部，以后", ["greeting"]),  # ASR lost 您好: the text, not the speech, is judged
])
def test_non_compliant_first_words_fail(text, missing):
    v = check_greeting([A(1.0, 2.2, text)], RULES)
    assert v.verdict == "fail"
    assert v.evidence["first_words"] == text and v.evidence["start"] == 1.0
    reason = v.evidence["reason"]
    assert ("no greeting" in reason) == ("greeting" in missing)
    assert ("no company name" in reason) == ("company" in missing)


def test_partial_match_is_shown_on_failure():
    v = check_greeting([A(0.5, 2.0, "您好，华美物业")], RULES)
    assert v.evidence["matched"] == {"greeting": "您好"}


def test_greeting_after_the_window_fails():
    v = check_greeting([C(0.5, 2.0, "喂？喂？有人吗？"), A(6.0, 8.0, "您好，和美物业服务中心")], RULES)
    assert v.verdict == "fail"
    assert v.evidence == {"reason": "no agent speech in the first 5 s", "first_words": "您好，和美物业服务中心",
                          "start": 6.0, "end": 8.0}
    assert check_greeting([A(6.0, 8.0, "您好，和美物业服务中心")], AuditRules(greeting_window_s=8.0)).verdict == "pass"


def test_no_agent_speech_fails():
    for utts in ([], [C(0.5, 2.0, "喂？")], [A(0.5, 1.0, "  ")]):
        v = check_greeting(utts, RULES)
        assert v.verdict == "fail" and v.evidence["first_words"] is None
        assert "no agent speech" in v.evidence["reason"]


def test_only_the_first_words_count():
    # The agent said 喂 first; the standard greeting came after the caller spoke.
    v = check_greeting([A(0.5, 1.0, "喂？"), C(1.2, 2.0, "喂，你好，我要报修"), A(2.5, 4.0, "您好，和美物业")], RULES)
    assert v.verdict == "fail" and v.evidence["first_words"] == "喂？"
    # A greeting buried after 30 characters of something else is not the first words.
    long = "喂喂喂，听得到吗？这边信号不太好，我先看一下系统啊，稍等，好了好了，您好，和美物业"
    assert check_greeting([A(0.5, 4.5, long)], RULES).verdict == "fail"
    assert check_greeting([A(0.5, 4.5, long)], AuditRules(greeting_max_chars=60)).verdict == "pass"


def test_segments_split_by_the_asr_are_joined():
    v = check_greeting([A(0.5, 1.0, "您好，"), A(1.3, 2.8, "何美物业服务中心，"), A(3.0, 4.5, "请问有什么可以帮您？")], RULES)
    assert v.verdict == "pass"
    assert v.evidence["text"] == "您好，何美物业服务中心，请问有什么可以帮您？"
    assert (v.evidence["start"], v.evidence["end"]) == (0.5, 4.5)
    # A long pause ends the opening.
    v = check_greeting([A(0.5, 1.0, "您好，"), A(3.5, 4.5, "和美物业")], RULES)
    assert v.verdict == "fail" and v.evidence["first_words"] == "您好，"


def test_utterance_order_does_not_matter():
    utts = [A(1.3, 2.8, "和美物业服务中心"), C(5.0, 6.0, "我要报修"), A(0.5, 1.0, "您好，")]
    assert check_greeting(utts, RULES).verdict == "pass"


def test_office_names_and_other_companies():
    rules = AuditRules(company_names=["仲量联行"], office_names=["海晟名苑管理处"])
    assert check_greeting([A(0.5, 3.0, "您好！海晟名苑管理处。")], rules).verdict == "pass"
    assert check_greeting([A(0.5, 3.0, "您好！仲量联行海晟名苑管理处。")], rules).verdict == "pass"
    jin = check_greeting([A(0.5, 2.0, "您好，僅秀物業")], AuditRules(company_names=["锦绣物业"]))
    assert jin.verdict == "pass" and jin.evidence["matched"]["company"] == "僅秀 (jǐn xiù ≈ 锦绣)"
    # The default company is not some other company's.
    assert check_greeting([A(0.5, 2.0, "您好，和美物业")], AuditRules(company_names=["锦绣物业"])).verdict == "fail"


def test_bilingual_greeting():
    v = check_greeting([A(0.4, 4.0, "Good morning, 和美管理处, may I help you? 您好")], RULES)
    assert v.verdict == "pass"


def test_without_a_configured_name_only_the_greeting_is_checked():
    v = check_greeting([A(0.5, 1.5, "您好，请讲。")], AuditRules(company_names=[], office_names=[]))
    assert v.verdict == "pass" and "note" in v.evidence


def test_word_lists_are_settings():
    rules = AuditRules(greeting_mishearings=[])
    assert check_greeting([A(0.5, 1.5, "你好，和美物业")], rules).verdict == "fail"
    rules = AuditRules(greeting_words=["您好", "早上好"])
    assert check_greeting([A(0.5, 1.5, "早上好，和美物业")], rules).verdict == "pass"
