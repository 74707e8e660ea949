"""Transcript normalisation and phrase finding."""
from __future__ import annotations

from telephony.audit.text import Text, normalize, readings, sounds_alike


def test_normalize_folds_traditional_fullwidth_and_spaces():
    assert normalize("請把您的身份證號碼 告訴我") == "请把您的身份证号码告诉我"
    assert normalize("ＡＢＣ 123") == "abc123"
    assert normalize("感謝您的來電") == "感谢您的来电"


def test_find_all_prefers_the_longest_phrase_and_reports_original_text():
    t = Text("請問您還有其他需要嗎？感謝您的來電，再見。")
    found = t.find_all(["感谢", "感谢您的来电", "其他需要", "还有其他"])
    assert [(f.word, f.heard) for f in found] == [("还有其他", "還有其他"), ("感谢您的来电", "感謝您的來電")]
    assert t.span(found[0].start, found[0].end) == "還有其他"


def test_spaces_inside_a_phrase_do_not_hide_it():
    assert [f.heard for f in Text("我 帮您 转接 到工程部").find_all(["帮您转接"])] == ["帮您 转接"]


def test_longer_phrases_also_match_by_sound_short_ones_do_not():
    t = Text("我稍后给您回店可以吗")
    found = t.find_all(["给您回电", "回电"], pinyin_min=3)
    assert [(f.word, f.heard, f.by) for f in found] == [("给您回电", "给您回店", "pronunciation")]
    assert Text("会点").find_all(["回电"], pinyin_min=3) == []  # hui dian, but 2 characters
    assert Text("我稍后给您回店").find_all(["给您回电"], pinyin_min=0) == []


def test_readings_are_toneless_and_include_heteronyms():
    assert {"he", "huo"} <= readings("和")
    assert sounds_alike("和", "何") and sounds_alike("僅", "锦") and not sounds_alike("华", "和")


def test_units_end_counts_han_characters_and_latin_words():
    t = Text("Good morning，和美物业")
    assert t.compact[: t.units_end(3)] == "goodmorning,和美"
    assert Text("您好").units_end(10) == 2


def test_clauses():
    t = Text("不用担心，请告诉我")
    assert not t.same_clause(2, 5)
    assert Text("不会向您索要").same_clause(2, 5)
    assert not Text("不会 向您索要").same_clause(2, 3)
