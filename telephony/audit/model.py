"""What the audit reads and what it returns: plain dataclasses, no database.

Times are seconds from the moment the agent answered (the start of the
per-leg recordings), as in a transcript's segments and in the call row's
`holds` / `transfers`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from telephony.audit import words

Leg = Literal["agent", "caller"]
HangupBy = Literal["caller", "agent", "system"]
VerdictValue = Literal["pass", "fail", "n/a"]
ClosingRequire = Literal["either", "both", "anything_else", "thanks"]

LEGS = ("agent", "caller")
HANGUP_SOURCES = ("caller", "agent", "system")
VERDICTS = ("pass", "fail", "n/a")
CLOSING_REQUIRE = ("either", "both", "anything_else", "thanks")


def _seconds(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return number


@dataclass(frozen=True)
class Utterance:
    """One transcript segment of one leg."""

    leg: Leg
    start: float
    end: float
    text: str

    def __post_init__(self) -> None:
        if self.leg not in LEGS:
            raise ValueError(f"leg must be one of {LEGS}, not {self.leg!r}")
        start = _seconds(self.start, "start")
        end = _seconds(self.end, "end")
        if end < start:
            raise ValueError(f"utterance ends ({end}) before it starts ({start})")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "text", "" if self.text is None else str(self.text))

    @classmethod
    def from_segments(cls, leg: Leg, segments: Iterable[Any]) -> list[Utterance]:
        """Utterances from a transcript's `segments` ([{start, end, text}], as stored)."""
        out: list[Utterance] = []
        for seg in segments:
            if isinstance(seg, Utterance):
                out.append(seg if seg.leg == leg else cls(leg, seg.start, seg.end, seg.text))
            elif isinstance(seg, Mapping):
                out.append(cls(leg, seg["start"], seg["end"], seg.get("text") or ""))
            else:
                start, end, text = seg
                out.append(cls(leg, start, end, text))
        return out


@dataclass(frozen=True)
class Hold:
    start: float
    end: float

    def __post_init__(self) -> None:
        start = _seconds(self.start, "hold start")
        end = _seconds(self.end, "hold end")
        if end < start:
            raise ValueError(f"hold ends ({end}) before it starts ({start})")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @classmethod
    def coerce(cls, value: Any) -> Hold:
        """A Hold from a Hold, [start, end] (the call row's JSON) or {start, end}."""
        if isinstance(value, Hold):
            return value
        if isinstance(value, Mapping):
            return cls(value["start"], value["end"])
        start, end = value
        return cls(start, end)


@dataclass
class CallFacts:
    """What the PBX knows about an answered (or not) call."""

    answered: bool = True
    rings: int | None = None
    hangup_by: HangupBy | None = None
    holds: list[Hold] = field(default_factory=list)
    transfers: list[float] = field(default_factory=list)  # times a transfer started

    def __post_init__(self) -> None:
        if self.hangup_by is not None and self.hangup_by not in HANGUP_SOURCES:
            raise ValueError(f"hangup_by must be one of {HANGUP_SOURCES} or None, not {self.hangup_by!r}")
        if self.rings is not None:
            self.rings = int(self.rings)
        self.holds = sorted((Hold.coerce(h) for h in self.holds or ()), key=lambda h: h.start)
        self.transfers = sorted(_seconds(t, "transfer time") for t in self.transfers or ())


@dataclass
class Verdict:
    rule: str
    verdict: VerdictValue
    evidence: dict[str, Any]

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AuditRules:
    """The audit's settings. Defaults follow shared/domain.md; the lists are in words.py."""

    # Names said in the greeting: the company and/or the office / project. Generic
    # parts (物业, 服务中心, 管理处 …) are stripped from their ends before matching.
    company_names: list[str] = field(default_factory=lambda: ["和美物业", "和美"])
    office_names: list[str] = field(default_factory=list)
    generic_name_parts: list[str] = field(default_factory=lambda: list(words.GENERIC_NAME_PARTS))
    # Names of at least this many syllables (after stripping) may differ from what
    # was heard by `name_slack_syllables` syllables (substituted, dropped or added).
    name_slack_syllables: int = 1
    name_slack_min_syllables: int = 4
    # Listed phrases of at least this many characters also match by sound (给您回店
    # heard for 给您回电); shorter ones only as written. 0 turns this off.
    phrase_pinyin_min_syllables: int = 3

    # Greeting: the agent's first words, starting within the window after answer.
    greeting_window_s: float = 5.0
    # The greeting and the name must come within the first this-many characters of
    # the opening (a Han character or a run of Latin letters / digits is one).
    greeting_max_chars: int = 30
    # Agent segments split by the ASR are joined into the opening while each starts
    # within the window, follows the previous one by at most this gap, and no
    # caller speech came in between.
    greeting_join_gap_s: float = 1.5
    greeting_words: list[str] = field(default_factory=lambda: list(words.GREETING_WORDS))
    greeting_mishearings: list[str] = field(default_factory=lambda: list(words.GREETING_MISHEARINGS))

    # Closing: judged on the last `closing_last_utterances` agent utterances and any
    # agent speech in the last `closing_last_s` seconds of the agent leg.
    closing_last_s: float = 30.0
    closing_last_utterances: int = 3
    closing_require: ClosingRequire = "either"
    closing_anything_else: list[str] = field(default_factory=lambda: list(words.CLOSING_ANYTHING_ELSE))
    closing_thanks: list[str] = field(default_factory=lambda: list(words.CLOSING_THANKS))

    ring_limit: int = 3

    hold_limit_s: float = 20.0
    callback_words: list[str] = field(default_factory=lambda: list(words.CALLBACK_WORDS))
    # How long before a hold a callback offer still counts for it (None: any time before).
    callback_lookback_s: float | None = None
    hold_announcement_words: list[str] = field(default_factory=lambda: list(words.HOLD_ANNOUNCEMENT_WORDS))
    hold_require_announcement: bool = False

    transfer_words: list[str] = field(default_factory=lambda: list(words.TRANSFER_WORDS))

    privacy_words: list[str] = field(default_factory=lambda: list(words.PRIVACY_WORDS))
    privacy_benign: list[str] = field(default_factory=lambda: list(words.PRIVACY_BENIGN))
    privacy_negations: list[str] = field(default_factory=lambda: list(words.PRIVACY_NEGATIONS))
    privacy_request_markers: list[str] = field(default_factory=lambda: list(words.PRIVACY_REQUEST_MARKERS))
    # A negation counts when at most this many characters, and no request marker,
    # lie between it and the word (in the same clause).
    privacy_negation_gap: int = 10

    def __post_init__(self) -> None:
        if self.closing_require not in CLOSING_REQUIRE:
            raise ValueError(f"closing_require must be one of {CLOSING_REQUIRE}, not {self.closing_require!r}")
        for name in ("greeting_window_s", "greeting_join_gap_s", "closing_last_s", "hold_limit_s"):
            if _seconds(getattr(self, name), name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("greeting_max_chars", "closing_last_utterances", "ring_limit",
                     "name_slack_syllables", "name_slack_min_syllables", "privacy_negation_gap",
                     "phrase_pinyin_min_syllables"):
            if int(getattr(self, name)) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("company_names", "office_names"):
            value = getattr(self, name)
            if isinstance(value, str):  # a lone name, not a list of characters
                setattr(self, name, [value])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> AuditRules:
        """Rules from any settings object: every attribute named like a field is taken
        (ring_limit, hold_limit_s, greeting_window_s …); a lone `company_name`
        ("和美") becomes company_names ["和美物业", "和美"]. Overrides win."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if hasattr(settings, f.name):
                value = getattr(settings, f.name)
                values[f.name] = list(value) if isinstance(value, (list, tuple)) else value
        company = getattr(settings, "company_name", None)
        if "company_names" not in values and isinstance(company, str) and company.strip():
            name = company.strip()
            values["company_names"] = [name] if name.endswith("物业") else [f"{name}物业", name]
        values.update(overrides)
        return cls(**values)
