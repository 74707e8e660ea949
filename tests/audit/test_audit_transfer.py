"""Transfers: tell the caller where they are being transferred first (JLL G)."""
from __future__ import annotations

import pytest

from telephony.audit import CallFacts, Utterance, check_transfer


def A(start, end, text):
    return Utterance("agent", start, end, text)


ANNOUNCE = A(30.0, 33.0, "我现在帮您转接到工程部，请稍等。")


def test_no_transfers_is_not_applicable():
    assert check_transfer([ANNOUNCE], CallFacts()).verdict == "n/a"
    assert check_transfer([ANNOUNCE], CallFacts(answered=False, transfers=[34.0])).verdict == "n/a"


def test_announced_transfer_passes():
    v = check_transfer([ANNOUNCE], CallFacts(transfers=[34.0]))
    assert v.verdict == "pass"
    assert v.evidence["matched"] == {"transfer": "帮您转接"}
    assert (v.evidence["text"], v.evidence["start"], v.evidence["end"]) == (ANNOUNCE.text, 30.0, 33.0)
    assert v.evidence["transfers"][0]["at"] == 34.0


@pytest.mark.parametrize("text", [
    "这个问题需要保安处理，我为您转接秩序维护部。",
    "我把电话转给收费处的同事。",
    "我帮您转到经理那里。",
    "我現在幫您轉接到工程部,請稍等",  # ASR, traditional
    "稍等，我帮您接通客服中心。",
])
def test_announcement_phrasings(text):
    assert check_transfer([A(30.0, 33.0, text)], CallFacts(transfers=[34.0])).verdict == "pass", text


def test_unannounced_transfer_fails():
    v = check_transfer([A(30.0, 31.0, "好的。")], CallFacts(transfers=[34.0]))
    assert v.verdict == "fail"
    assert v.evidence["reason"] == "transfer at 34.0 s without telling the caller first"
    assert v.evidence["transfers"][0]["last_words_before"] == {"text": "好的。", "start": 30.0, "end": 31.0}


def test_announcement_after_the_transfer_is_too_late():
    assert check_transfer([A(35.0, 37.0, "我帮您转接工程部。")], CallFacts(transfers=[34.0])).verdict == "fail"


def test_each_transfer_needs_its_own_announcement():
    facts = CallFacts(transfers=[34.0, 90.0])
    v = check_transfer([ANNOUNCE, A(80.0, 82.0, "嗯，好。")], facts)
    assert v.verdict == "fail" and v.evidence["at"] == 90.0
    v = check_transfer([ANNOUNCE, A(80.0, 82.0, "我再帮您转到经理。")], facts)
    assert v.verdict == "pass" and all(t["announced"] for t in v.evidence["transfers"])


def test_the_caller_asking_is_no_announcement():
    caller = Utterance("caller", 30.0, 32.0, "帮我转到工程部。")
    assert check_transfer([caller], CallFacts(transfers=[34.0])).verdict == "fail"
