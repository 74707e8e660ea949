"""Names are matched by pronunciation: ASR writes names it doesn't know by sound."""
from __future__ import annotations

import pytest

from telephony.audit.names import find_name, name_core, tone_pinyin
from telephony.audit.text import Text
from telephony.audit.words import GENERIC_NAME_PARTS


def find(text, names, **kw):
    return find_name(Text(text), names, GENERIC_NAME_PARTS, **kw)


@pytest.mark.parametrize("name, core", [
    ("和美物业", "和美"),
    ("和美", "和美"),
    ("和美物业服务中心", "和美"),
    ("海晟名苑管理处", "海晟名苑"),
    ("锦绣物业管理有限公司", "锦绣"),
    ("物业", ""),
    ("服务中心", ""),
])
def test_generic_parts_are_stripped(name, core):
    assert name_core(name, GENERIC_NAME_PARTS) == core


@pytest.mark.parametrize("heard", ["和美", "何美", "河眉", "合美", "禾美", "何梅"])
def test_homophones_of_hemei_match(heard):
    m = find(f"您好，{heard}物业服务中心", ["和美物业"])
    assert m is not None and m.heard == heard and m.distance == 0


def test_evidence_shows_what_was_heard_and_how_it_sounds():
    m = find("你好,何美物業服務中心", ["和美物业", "和美"])
    assert m.display() == "何美 (hé měi ≈ 和美)"
    assert m.to_evidence() == {"name": "和美物业", "core": "和美", "heard": "何美", "pinyin": "hé měi",
                               "syllables_differing": 0, "by": "pronunciation"}
    exact = find("您好，和美物业", ["和美物业"])
    assert exact.display() == "和美" and exact.to_evidence()["by"] == "characters"


def test_traditional_characters_sound_the_same():
    # 僅 is the traditional form of 仅 (jǐn): the ASR's 僅秀 for 锦绣.
    m = find("您好，僅秀物業", ["锦绣物业"])
    assert m is not None and m.display() == "僅秀 (jǐn xiù ≈ 锦绣)"


@pytest.mark.parametrize("text", [
    "您好，华美物业",  # hua mei
    "您好，美和物业",  # order matters
    "您好，万科物业",
    "您好，物业服务中心",  # only the generic part
    "您好，黑美物业",  # hei mei
    "您好，和平物业",  # he ping: one syllable of two is not enough
])
def test_unrelated_names_do_not_match(text):
    assert find(text, ["和美物业", "和美"]) is None


def test_short_names_get_no_slack_but_long_ones_get_one_syllable():
    assert find("您好，和X物业", ["和美物业"]) is None
    names = ["仲量联行海晟名苑管理处"]
    assert find("您好！仲量联行海晟名苑管理处。", names).distance == 0
    dropped = find("您好！仲量联海晟名苑管理处。", names)  # 行 lost
    assert dropped is not None and dropped.distance == 1
    swapped = find("您好！众量联行海胜明院管理处。", names)  # zhong = zhong, sheng = sheng …
    assert swapped is not None and swapped.distance == 0
    assert find("您好！仲量联行海X名X管理处。", names) is None  # two syllables off
    # Four-syllable names: one syllable of slack …
    assert find("您好，锦绣名园物业", ["锦绣花园物业"]).distance == 1
    # … never enough for another estate.
    assert find("您好，华美花园物业", ["锦绣花园物业"]) is None
    # Slack is a setting.
    assert find("您好，锦绣名园物业", ["锦绣花园物业"], slack=0) is None


def test_limit_restricts_the_search_to_the_first_words():
    text = Text("喂喂，听得到吗，您好，和美物业")
    assert find_name(text, ["和美"], GENERIC_NAME_PARTS, limit=5) is None
    assert find_name(text, ["和美"], GENERIC_NAME_PARTS) is not None


def test_latin_names_match_as_written():
    m = find("Good morning, JLL Seasons Park property office", ["JLL"])
    assert m is not None and m.heard == "JLL"


def test_tone_pinyin():
    assert tone_pinyin("何美，") == "hé měi"


def test_a_name_may_run_past_the_limit_but_must_start_before_it():
    text = Text("您好，这里是和美")
    assert find_name(text, ["和美"], GENERIC_NAME_PARTS, limit=7) is not None  # starts at 6
    assert find_name(text, ["和美"], GENERIC_NAME_PARTS, limit=6) is None
