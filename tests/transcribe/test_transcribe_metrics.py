import pytest

from telephony.transcribe.metrics import cer, corpus_cer, edit_distance
from telephony.transcribe.text import (
    clean_transcript,
    normalise_for_scoring,
    to_simplified,
)


@pytest.mark.parametrize(
    "a, b, d",
    [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3), ("您好", "你好", 1), ("ab", "ba", 2)],
)
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d
    assert edit_distance(b, a) == d


def test_cer_identical_and_substitution():
    assert cer("您好和美物业", "您好和美物业") == 0.0
    assert cer("您好和美物业", "你好何美物业") == pytest.approx(2 / 6)


def test_cer_ignores_punctuation_and_whitespace():
    ref = "您好，和美物业服务中心，请问有什么可以帮您？"
    assert cer(ref, "您好 和美物业服务中心 请问有什么可以帮您") == 0.0
    assert cer(ref, "您好,和美物业服务中心.请问有什么可以帮您?") == 0.0
    assert cer("喂，你说。", "喂!!! 你说……") == 0.0


def test_cer_normalises_traditional_and_full_width():
    assert cer("谢谢您的来电", "謝謝您的來電") == 0.0
    assert cer("开放时间早上9点", "開放時間早上９點") == 0.0
    assert cer("ABC", "abc") == 0.0


def test_cer_insertions_can_exceed_one():
    assert cer("好", "好好好") == 2.0
    assert cer("物业", "") == 1.0


def test_cer_empty_reference():
    assert cer("", "") == 0.0
    assert cer("，", "") == 0.0
    assert cer("", "多余") == 1.0


def test_corpus_cer_weights_by_length():
    pairs = [("一二三四", "一二三四"), ("五六", "五")]
    assert corpus_cer(pairs) == pytest.approx(1 / 6)
    assert corpus_cer([]) == 0.0


def test_text_helpers():
    assert to_simplified("這個軟體") == "这个软体"
    assert clean_transcript(" 您好 和美 物业 ， 请问 ") == "您好和美物业，请问"
    assert clean_transcript("hello  world 您好") == "hello world 您好"
    assert normalise_for_scoring("您好，Ａ B！") == "您好ab"
