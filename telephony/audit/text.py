"""Transcript text as the audit reads it.

`Text` keeps the original string (for evidence) beside a compact, normalised
form (for matching): whitespace dropped, full-width ASCII folded, Latin
lower-cased, and traditional characters mapped to simplified ones (Whisper
writes 幫您轉接 as often as 帮您转接). The map covers the characters of the
word lists and of everyday service talk; it is not a general converter, and
names never need it because they are matched by pronunciation. Every compact
character maps back to one original position.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

_TRAD_SIMP_PAIRS = (
    "謝谢來来電电還还麼么們们題题幫帮話话後后聯联繫系係系複复撥拨過过給给為为轉转證证號号碼码護护會会銀银賬账帳帐戶户驗验見见業业務务"
    "別别說说問问請请嗎吗僅仅時时間间這这裡里處处點点經经對对於于與与個个沒没無无須须將将應应該该讓让邊边歡欢開开關关門门車车氣气錢钱"
    "費费繳缴長长單单樓楼區区線线錦锦繡绣華华園园聽听煩烦稱称啟启發发現现實实際际機机歸归屬属寫写記记錄录辦办詢询緊紧報报壞坏燈灯響响"
    "鈴铃聲声樣样幾几員员專专負负責责準准備备確确認认訊讯資资頭头東东義义廣广場场傳传總总統统結结萬万級级類类網网絡络郵邮雖虽麗丽節节"
    "據据續续壓压讀读試试錯错誤误隨随陽阳陰阴溫温熱热涼凉濕湿淨净髮发衛卫廁厕廳厅臥卧態态內内餘余貸贷剛刚纔才謂谓訴诉講讲詳详細细議议"
    "論论許许協协調调達达運运遞递倆俩囉啰妳你祇只隻只衹只並并愛爱鐘钟鍾钟齊齐儘尽盡尽勞劳駕驾託托謹谨擾扰語语鬆松"
)
_T2S = {ord(t): s for t, s in zip(_TRAD_SIMP_PAIRS[0::2], _TRAD_SIMP_PAIRS[1::2]) if t != s}

# Clause boundaries: punctuation an ASR engine writes, and whitespace it uses instead.
# (Not the enumeration comma 、: 身份证号、银行卡号 is one clause.)
_BOUNDARY = set("，。！？；：,.!?;:…—\"“”'‘’()（）[]【】《》<>")


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
    )


@lru_cache(maxsize=8192)
def readings(ch: str) -> frozenset[str]:
    """Toneless pinyin readings of one character (the character itself if it has none)."""
    if not is_han(ch):
        return frozenset({ch})
    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    values = {r for group in found for r in group if r}
    return frozenset(values or {ch})


def sounds_alike(a: str, b: str) -> bool:
    """Same character, or two characters sharing a toneless reading (和 / 何: he)."""
    return a == b or bool(readings(a) & readings(b))


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@lru_cache(maxsize=4096)
def normalize_char(ch: str) -> str:
    cp = ord(ch)
    if 0xFF01 <= cp <= 0xFF5E:  # full-width ASCII
        ch = chr(cp - 0xFEE0)
    elif cp == 0x3000:
        ch = " "
    return ch.translate(_T2S).lower()


def normalize(text: str) -> str:
    """The compact, normalised form of a string (what phrases are matched against)."""
    return "".join(normalize_char(ch) for ch in text if not ch.isspace())


@dataclass(frozen=True)
class Found:
    """One occurrence of a listed phrase: `word` as listed, `heard` as written."""

    word: str
    heard: str
    start: int  # index into Text.compact
    end: int
    by: str = "characters"  # or "pronunciation" (e.g. 回店 heard for 回电)


class Text:
    def __init__(self, original: str) -> None:
        self.original = original or ""
        chars: list[str] = []
        index: list[int] = []
        boundary_before: list[bool] = []
        pending_space = False
        for i, ch in enumerate(self.original):
            if ch.isspace():
                pending_space = True
                continue
            chars.append(normalize_char(ch))
            index.append(i)
            boundary_before.append(pending_space)
            pending_space = False
        self.compact = "".join(chars)
        self._index = index
        self._boundary_before = boundary_before

    def __len__(self) -> int:
        return len(self.compact)

    def span(self, start: int, end: int) -> str:
        """The original text of compact[start:end]."""
        if start >= end:
            return ""
        return self.original[self._index[start] : self._index[end - 1] + 1]

    def find_all(self, phrases: Iterable[str], *, pinyin_min: int = 0) -> list[Found]:
        """Non-overlapping occurrences, scanning left to right, longest phrase first.

        A phrase of at least `pinyin_min` Han characters (0: none) also matches
        characters that sound the same, syllable by syllable (给您回店 for
        给您回电); shorter ones collide with everyday words and match as written.
        """
        table: dict[str, str] = {}
        for phrase in phrases:
            key = normalize(phrase)
            if key and key not in table:
                table[key] = phrase
        if not table:
            return []
        # Candidates by first character: as written, and by each toneless reading.
        by_first: dict[str, list[str]] = {}
        by_reading: dict[str, set[str]] = {}
        by_sound: set[str] = set()
        for key in table:
            by_first.setdefault(key[0], []).append(key)
            if pinyin_min > 0 and len(key) >= pinyin_min and all(is_han(c) for c in key):
                by_sound.add(key)
                for r in readings(key[0]):
                    by_reading.setdefault(r, set()).add(key)
        found: list[Found] = []
        i = 0
        text = self.compact
        while i < len(text):
            ch = text[i]
            candidates = set(by_first.get(ch, ()))
            if by_reading and is_han(ch):
                for r in readings(ch):
                    candidates |= by_reading.get(r, set())
            for key in sorted(candidates, key=lambda k: (-len(k), k)):
                end = i + len(key)
                if text.startswith(key, i):
                    found.append(Found(table[key], self.span(i, end), i, end))
                elif (
                    key in by_sound
                    and end <= len(text)
                    and all(sounds_alike(a, b) for a, b in zip(key, text[i:end]))
                ):
                    found.append(Found(table[key], self.span(i, end), i, end, "pronunciation"))
                else:
                    continue
                i = end
                break
            else:
                i += 1
        return found

    def units_end(self, max_units: int) -> int:
        """Compact index where the first `max_units` units end.

        A unit is a Han character or a run of ASCII letters / digits; punctuation
        counts for nothing.
        """
        units = 0
        i = 0
        text = self.compact
        while i < len(text):
            ch = text[i]
            if _is_word_char(ch):
                j = i
                while j < len(text) and _is_word_char(text[j]):
                    j += 1
                step = j
            elif ch in _BOUNDARY or not (is_han(ch) or ch.isalnum()):
                i += 1
                continue
            else:
                step = i + 1
            if units >= max_units:
                return i
            units += 1
            i = step
        return len(text)

    def is_boundary(self, i: int) -> bool:
        """Whether compact[i] is punctuation, or whitespace came just before it."""
        return self.compact[i] in _BOUNDARY or self._boundary_before[i]

    def same_clause(self, a: int, b: int) -> bool:
        """Whether no clause boundary separates the text before compact[a] from compact[b].

        A boundary is punctuation in compact[a:b] or whitespace just before any
        of compact[a..b].
        """
        n = len(self.compact)
        if any(self.compact[i] in _BOUNDARY for i in range(a, min(b, n))):
            return False
        return not any(self._boundary_before[i] for i in range(a, min(b + 1, n)))
