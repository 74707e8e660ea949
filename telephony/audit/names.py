"""Finding the company's or office's name in a transcript, by pronunciation.

An ASR engine writes a name it doesn't know with characters that sound the
same: 和美 → 何美 (hé měi), 锦绣 → 僅秀 (jǐn xiù, 僅 being traditional for 仅).
So a name is compared syllable by syllable on its toneless pinyin (pypinyin),
every reading of a character counting (和 is he / huo / hu): two characters
match when they are the same or share a reading.

Before matching, generic parts (物业, 服务中心, 管理处 …) are stripped from the
ends of a name: what identifies the company is 和美, and "华美物业" must not
pass for "和美物业" by sharing 物业. A distinctive part of at least
`name_slack_min_syllables` syllables may differ from what was heard by
`name_slack_syllables` syllables (one substituted, dropped or added); shorter
ones must match every syllable.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pypinyin import Style, pinyin

from telephony.audit.text import Text, is_han, normalize, sounds_alike


def tone_pinyin(text: str) -> str:
    """'hé měi' for 何美 (in context, one reading per character)."""
    han = "".join(ch for ch in text if is_han(ch))
    return " ".join(group[0] for group in pinyin(han, style=Style.TONE, errors="ignore") if group)


def name_core(name: str, generic_parts: Iterable[str]) -> str:
    """The distinctive part of a name: 和美物业服务中心 → 和美."""
    core = normalize(name)
    parts = sorted({normalize(p) for p in generic_parts if p}, key=len, reverse=True)
    changed = True
    while changed and core:
        changed = False
        for part in parts:
            if core.endswith(part) and len(core) > len(part):
                core = core[: -len(part)]
                changed = True
                break
            if core.startswith(part) and len(core) > len(part):
                core = core[len(part) :]
                changed = True
                break
    if core in parts:  # the whole name is generic ("物业"): identifies nobody
        return ""
    return core


@dataclass(frozen=True)
class NameMatch:
    name: str  # as configured
    core: str  # its distinctive part, what was matched
    heard: str  # as written in the transcript
    distance: int  # syllables that differ (0: every syllable sounds alike)
    start: int  # compact indices in the Text searched
    end: int

    @property
    def exact(self) -> bool:
        return normalize(self.heard) == self.core

    def display(self) -> str:
        """'和美', or '何美 (hé měi ≈ 和美)' when the characters differ."""
        if self.exact:
            return self.heard
        return f"{self.heard} ({tone_pinyin(self.heard)} ≈ {self.core})"

    def to_evidence(self) -> dict:
        return {
            "name": self.name,
            "core": self.core,
            "heard": self.heard,
            "pinyin": tone_pinyin(self.heard),
            "syllables_differing": self.distance,
            "by": "characters" if self.exact else "pronunciation",
        }


def _distance(core: Sequence[str], window: Sequence[str], limit: int) -> int:
    """Edit distance on syllables (substitution when they don't sound alike); > limit early."""
    prev = list(range(len(window) + 1))
    for i, a in enumerate(core, 1):
        cur = [i] + [0] * len(window)
        for j, b in enumerate(window, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if sounds_alike(a, b) else 1))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def find_name(
    text: Text,
    names: Iterable[str],
    generic_parts: Iterable[str],
    *,
    slack: int = 1,
    slack_min_syllables: int = 4,
    limit: int | None = None,
) -> NameMatch | None:
    """The best match of any of `names` starting before compact index `limit`, or None.

    Best = fewest differing syllables, then earliest, then closest in length.
    """
    end_limit = len(text.compact) if limit is None else min(limit, len(text.compact))
    generic = list(generic_parts)
    # Han characters with their compact positions; a match may run past the limit.
    positions = [i for i in range(len(text.compact)) if is_han(text.compact[i])]
    chars = [text.compact[i] for i in positions]
    best: tuple[tuple[int, int, int], NameMatch] | None = None
    for name in names:
        core = name_core(name, generic)
        if not core:
            continue
        core_han = [ch for ch in core if is_han(ch)]
        if not core_han:  # a Latin or numeric name: match it as written
            at = text.compact.find(core)
            if 0 <= at < end_limit:
                m = NameMatch(name, core, text.span(at, at + len(core)), 0, at, at + len(core))
                key = (0, at, 0)
                if best is None or key < best[0]:
                    best = (key, m)
            continue
        n = len(core_han)
        allowed = slack if n >= slack_min_syllables else 0
        for s in range(len(chars)):
            if positions[s] >= end_limit:
                break
            for length in range(max(1, n - allowed), n + allowed + 1):
                if s + length > len(chars):
                    break
                window = chars[s : s + length]
                d = _distance(core_han, window, allowed)
                if d > allowed:
                    continue
                start, stop = positions[s], positions[s + length - 1] + 1
                key = (d, start, abs(length - n))
                if best is None or key < best[0]:
                    best = (key, NameMatch(name, core, text.span(start, stop), d, start, stop))
    return None if best is None else best[1]
