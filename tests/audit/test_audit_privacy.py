"""Privacy: the agent must not ask for ID, social-security or bank-account numbers (000 §2.4)."""
from __future__ import annotations

import pytest

from telephony.audit import Utterance, check_privacy


def A(start, end, text):
    return Utterance("agent", start, end, text)


def C(start, end, text):
    return Utterance("caller", start, end, text)


GREETING = A(0.5, 3.0, "您好，和美物业服务中心，请问有什么可以帮您？")


def test_asking_for_id_and_bank_card_fails():
    ask = A(20.0, 24.5, "请把您的身份证号码和银行卡号告诉我。")
    v = check_privacy([GREETING, ask])
    assert v.verdict == "fail"
    assert v.evidence["text"] == ask.text and (v.evidence["start"], v.evidence["end"]) == (20.0, 24.5)
    assert v.evidence["matched"] == {"privacy": "身份证号、银行卡号"}
    assert [f["word"] for f in v.evidence["found"]] == ["身份证号", "银行卡号"]


@pytest.mark.parametrize("text", [
    "麻烦报一下您的社保号。",
    "您的社会保障号码是多少？",
    "您把银行账号发给我，我们帮您办理代扣。",
    "请提供一下您的身份证后四位。",
    "您的银行卡密码是多少？",
    "我们给您发了一个验证码，您念一下。",
    "您的卡号是多少？",
    "您的证件号码说一下。",
    "先把你的身份證號碼和銀行卡號告訴我",  # ASR: traditional characters
    "请告诉我您的身份正号",  # ASR: 证 → 正, matched by sound
])
def test_privacy_phrasings_fail(text):
    v = check_privacy([GREETING, A(30.0, 33.0, text)])
    assert v.verdict == "fail", text
    assert v.evidence["start"] == 30.0


@pytest.mark.parametrize("text", [
    "我们不会向您索要身份证号或银行卡密码，请注意防范诈骗。",
    "这个不需要您的银行卡号。",
    "请勿向任何人透露您的密码。",
    "您无需提供身份证号。",
])
def test_negated_mentions_pass(text):
    v = check_privacy([GREETING, A(30.0, 33.0, text)])
    assert v.verdict == "pass", v.evidence
    assert v.evidence["negated"] and v.evidence["negated"][0]["start"] == 30.0


def test_negation_in_another_clause_does_not_excuse():
    assert check_privacy([A(30.0, 33.0, "不用担心，请告诉我您的身份证号。")]).verdict == "fail"
    # Without punctuation (ASR), a new request in between ends the negation.
    assert check_privacy([A(30.0, 33.0, "不用担心请告诉我您的身份证号")]).verdict == "fail"
    # So does distance.
    assert check_privacy([A(30.0, 33.0, "不用的话那我们这边需要登记一下您的全部身份证号")]).verdict == "fail"


@pytest.mark.parametrize("text", [
    "办理门禁卡需要您带上身份证到服务中心。",
    "请告诉我您的门禁卡号，我帮您查一下。",
    "您的电卡卡号是多少？我帮您查一下余额。",
])
def test_benign_mentions_pass(text):
    v = check_privacy([A(30.0, 33.0, text)])
    assert v.verdict == "pass" and v.evidence["benign"]


def test_ordinary_calls_pass():
    v = check_privacy([GREETING, A(10.0, 12.0, "好的，您的报修已经登记了，师傅半小时内到。")])
    assert v.verdict == "pass" and "negated" not in v.evidence


def test_only_the_agent_is_judged():
    v = check_privacy([GREETING, C(10.0, 14.0, "我的身份证号是一一零一零一……")])
    assert v.verdict == "pass"
    assert check_privacy([C(10.0, 14.0, "我的银行卡号…")]).verdict == "n/a"
