"""The phone standards (shared/domain.md) as rules: one Verdict each, with evidence.

Evidence is JSON-ready (it is stored as-is in audit_verdicts.evidence). A
verdict that rests on words says which words and where:

    {"text": "您好，何美物业…", "start": 1.2, "end": 3.4,
     "matched": {"greeting": "您好", "company": "何美 (hé měi ≈ 和美)"}}

and a failure says why:

    {"reason": "no greeting (您好) and no company name (和美物业/和美) in the agent's first
               words (first 30 characters within 5 s)",
     "first_words": "喂，什么事？", "start": 1.0, "end": 1.8}

Times are seconds after answer, rounded to 0.01 s.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from telephony.audit.model import AuditRules, CallFacts, Utterance, Verdict
from telephony.audit.names import find_name
from telephony.audit.text import Found, Text, normalize

RULES = ("greeting", "closing", "hangup_order", "rings", "hold", "privacy", "transfer")
TEXT_RULES = ("greeting", "closing", "privacy")

_MAX_QUOTE = 200  # characters of transcript quoted as "last words" and the like


def _r(seconds: float) -> float:
    return round(float(seconds), 2)


def _quote(text: str) -> str:
    """The first words of a long text."""
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + "…"


def _quote_tail(text: str) -> str:
    """The last words of a long text."""
    return text if len(text) <= _MAX_QUOTE else "…" + text[-(_MAX_QUOTE - 1) :]


def _excerpt(text: str, start: int, end: int) -> str:
    """A long text cut down to the words around compact[start:end] (a whole short one as is)."""
    if len(text) <= _MAX_QUOTE:
        return text
    t = Text(text)
    context = max(0, (_MAX_QUOTE - (end - start)) // 2)
    a, b = max(0, start - context), min(len(t), end + context)
    return ("…" if a > 0 else "") + t.span(a, b) + ("…" if b < len(t) else "")


def _leg(utterances: Iterable[Utterance], leg: str) -> list[Utterance]:
    return sorted((u for u in utterances if u.leg == leg), key=lambda u: (u.start, u.end))


def _join(parts: Sequence[str]) -> str:
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def _span(utts: Sequence[Utterance]) -> dict[str, Any]:
    return {
        "text": _quote(_join([u.text for u in utts])),
        "start": _r(min(u.start for u in utts)),
        "end": _r(max(u.end for u in utts)),
    }


def _shown(f: Found) -> str:
    """What was heard, with the listed word when it matched by sound: '回店 (≈ 回电)'."""
    return f.heard if f.by == "characters" else f"{f.heard} (≈ {f.word})"


def _shown_hit(hit: dict[str, Any]) -> str:
    return hit["heard"] if "by" not in hit else f"{hit['heard']} (≈ {hit['word']})"


def _hit(u: Utterance, f: Found, **extra: Any) -> dict[str, Any]:
    hit = {
        "word": f.word, "heard": f.heard, "text": _excerpt(u.text, f.start, f.end),
        "start": _r(u.start), "end": _r(u.end),
    }
    if f.by != "characters":
        hit["by"] = f.by
    return {**hit, **extra}


def _find(utts: Iterable[Utterance], phrases: Iterable[str], rules: AuditRules) -> list[tuple[Utterance, Found]]:
    phrases = list(phrases)
    n = rules.phrase_pinyin_min_syllables
    return [(u, f) for u in utts for f in Text(u.text).find_all(phrases, pinyin_min=n)]


def _names(rules: AuditRules) -> list[str]:
    return [n for n in [*rules.company_names, *rules.office_names] if n and n.strip()]


# --- greeting ---------------------------------------------------------------------------


def _opening(agent: list[Utterance], caller: list[Utterance], rules: AuditRules) -> list[Utterance]:
    """The agent's first utterance, with the segments the ASR split it into."""
    opening = [agent[0]]
    for u in agent[1:]:
        prev = opening[-1]
        if u.start > rules.greeting_window_s or u.start - prev.end > rules.greeting_join_gap_s:
            break
        if any(prev.end <= c.start < u.start and c.text.strip() for c in caller):
            break  # the caller spoke in between: a new turn, not the greeting's tail
        opening.append(u)
    return opening


def _first_words(text: Text, limit: int) -> str:
    """The words judged as the greeting: up to `limit`, finishing the clause (cut at 20 more)."""
    end = limit
    while end < len(text) and end < limit + 20 and not text.is_boundary(end):
        end += 1
    if end < len(text) and text.compact[end] in "，。！？,.!?；;":
        end += 1
    return text.span(0, end) + ("…" if end < len(text) else "")


def check_greeting(utterances: Iterable[Utterance], rules: AuditRules | None = None) -> Verdict:
    """The agent's first words, within `greeting_window_s` of answer, say 您好 and the name."""
    rules = rules or AuditRules()
    utterances = list(utterances)
    agent = _leg(utterances, "agent")
    window = rules.greeting_window_s
    if not agent or not any(u.text.strip() for u in agent):
        return Verdict("greeting", "fail", {"reason": f"no agent speech in the first {window:g} s", "first_words": None})
    agent = [u for u in agent if u.text.strip()]
    first = agent[0]
    if first.start > window:
        return Verdict("greeting", "fail", {
            "reason": f"no agent speech in the first {window:g} s",
            "first_words": _quote(first.text), "start": _r(first.start), "end": _r(first.end),
        })
    opening = _opening(agent, _leg(utterances, "caller"), rules)
    span = _span(opening)
    text = Text(_join([u.text for u in opening]))
    limit = text.units_end(rules.greeting_max_chars)
    span["text"] = _first_words(text, limit)

    matched: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    standard = list(rules.greeting_words)
    greetings = [
        f for f in text.find_all([*standard, *rules.greeting_mishearings], pinyin_min=rules.phrase_pinyin_min_syllables)
        if f.start < limit
    ]
    if greetings:
        g = greetings[0]
        matched["greeting"] = g.heard if g.word in standard else f"{g.heard} (accepted for {standard[0] if standard else g.word})"
    names = _names(rules)
    company_ok = True
    if names:
        m = find_name(
            text, names, rules.generic_name_parts,
            slack=rules.name_slack_syllables, slack_min_syllables=rules.name_slack_min_syllables, limit=limit,
        )
        if m is not None:
            matched["company"] = m.display()
            extra["company_match"] = m.to_evidence()
        else:
            company_ok = False
    else:
        extra["note"] = "no company or office name configured: the name was not checked"

    if greetings and company_ok:
        return Verdict("greeting", "pass", {**span, "matched": matched, **extra})
    want_greeting = "/".join(standard) or "greeting"
    missing = []
    if not greetings:
        missing.append(f"no greeting ({want_greeting})")
    if not company_ok:
        missing.append(f"no company name ({'/'.join(names)})")
    within = f"in the agent's first words (first {rules.greeting_max_chars} characters within {window:g} s)"
    evidence = {
        "reason": f"{' and '.join(missing)} {within}",
        "first_words": span["text"], "start": span["start"], "end": span["end"],
    }
    if matched:
        evidence["matched"] = matched
    return Verdict("greeting", "fail", {**evidence, **extra})


# --- closing ----------------------------------------------------------------------------


def check_closing(
    utterances: Iterable[Utterance], rules: AuditRules | None = None, *, whole: bool = False
) -> Verdict:
    """Near the end, the agent asks whether anything else is needed and/or thanks the caller.

    "Near the end" = the last `closing_last_utterances` agent utterances plus any
    agent speech in the last `closing_last_s` seconds of the agent leg; `whole`
    judges all of it (single-recording audits). `closing_require` says whether
    either, both, or which one is required.
    """
    rules = rules or AuditRules()
    agent = [u for u in _leg(utterances, "agent") if u.text.strip()]
    if not agent:
        return Verdict("closing", "fail", {"reason": "no agent speech", "last_words": None})
    if whole:
        tail = agent
    else:
        last_end = max(u.end for u in agent)
        k = max(1, rules.closing_last_utterances)
        tail = [u for i, u in enumerate(agent) if i >= len(agent) - k or u.end >= last_end - rules.closing_last_s]
    asks = _find(tail, rules.closing_anything_else, rules)
    thanks = _find(tail, rules.closing_thanks, rules)
    need = rules.closing_require
    ok = {
        "either": bool(asks or thanks),
        "both": bool(asks and thanks),
        "anything_else": bool(asks),
        "thanks": bool(thanks),
    }[need]
    matched: dict[str, str] = {}
    found: list[dict[str, Any]] = []
    if asks:
        matched["anything_else"] = _shown(asks[-1][1])
        found.append(_hit(*asks[-1], kind="anything_else"))
    if thanks:
        matched["thanks"] = _shown(thanks[-1][1])
        found.append(_hit(*thanks[-1], kind="thanks"))
    if ok:
        hits = [*asks[-1:], *thanks[-1:]]
        utts = sorted({id(u): u for u, _ in hits}.values(), key=lambda u: u.start)
        span = _span(utts)
        if len(utts) == 1:
            span["text"] = _excerpt(utts[0].text, min(f.start for _, f in hits), max(f.end for _, f in hits))
        return Verdict("closing", "pass", {**span, "matched": matched, "found": found})
    missing = {
        "either": "no offer of further help and no thanks",
        "both": "no offer of further help" if not asks else "no thanks",
        "anything_else": "no offer of further help",
        "thanks": "no thanks",
    }[need]
    if need == "both" and not asks and not thanks:
        missing = "no offer of further help and no thanks"
    where = "in the agent's words" if whole else "in the agent's last words"
    span = _span(tail)
    evidence: dict[str, Any] = {
        "reason": f"{missing} {where}", "last_words": _quote_tail(_join([u.text for u in tail])),
        "start": span["start"], "end": span["end"],
    }
    if matched:
        evidence["matched"] = matched
        evidence["found"] = found
    return Verdict("closing", "fail", evidence)


# --- hang-up order, rings ---------------------------------------------------------------


def check_hangup_order(
    facts: CallFacts, utterances: Iterable[Utterance] = (), rules: AuditRules | None = None
) -> Verdict:
    """The agent must not hang up first."""
    if not facts.answered:
        return Verdict("hangup_order", "n/a", {"reason": "call not answered"})
    if facts.hangup_by is None:
        return Verdict("hangup_order", "n/a", {"reason": "hang-up side unknown"})
    if facts.hangup_by == "agent":
        evidence: dict[str, Any] = {"reason": "the agent hung up first", "hangup_by": "agent"}
        agent = [u for u in _leg(utterances, "agent") if u.text.strip()]
        if agent:
            last = agent[-1]
            evidence.update(last_words=_quote_tail(last.text), start=_r(last.start), end=_r(last.end))
        return Verdict("hangup_order", "fail", evidence)
    return Verdict("hangup_order", "pass", {"hangup_by": facts.hangup_by})


def check_rings(facts: CallFacts, rules: AuditRules | None = None) -> Verdict:
    """Answered within `ring_limit` rings."""
    rules = rules or AuditRules()
    if not facts.answered:
        return Verdict("rings", "n/a", {"reason": "call not answered"})
    if facts.rings is None:
        return Verdict("rings", "n/a", {"reason": "ring count unknown"})
    evidence = {"rings": facts.rings, "limit": rules.ring_limit}
    if facts.rings <= rules.ring_limit:
        return Verdict("rings", "pass", evidence)
    return Verdict("rings", "fail", {"reason": f"answered after {facts.rings} rings (limit {rules.ring_limit})", **evidence})


# --- hold -------------------------------------------------------------------------------


def check_hold(
    utterances: Iterable[Utterance], facts: CallFacts, rules: AuditRules | None = None
) -> Verdict:
    """A hold longer than `hold_limit_s` needs an offer to call back, before or during it.

    With `hold_require_announcement`, every hold must also be announced
    (请您稍等 …) before it starts.
    """
    rules = rules or AuditRules()
    if not facts.answered:
        return Verdict("hold", "n/a", {"reason": "call not answered"})
    if not facts.holds:
        return Verdict("hold", "n/a", {"reason": "no holds"})
    agent = _leg(utterances, "agent")
    offers = _find(agent, rules.callback_words, rules)
    announcements = _find(agent, rules.hold_announcement_words, rules)
    limit = rules.hold_limit_s
    items: list[dict[str, Any]] = []
    failure: tuple[str, dict[str, Any]] | None = None
    prev_end = float("-inf")
    for h in facts.holds:
        long = h.duration > limit
        lookback = float("-inf") if rules.callback_lookback_s is None else h.start - rules.callback_lookback_s
        offer = [(u, f) for u, f in offers if lookback <= u.start < h.end]
        announced = [(u, f) for u, f in announcements if prev_end <= u.start <= h.start + 1.0]
        item: dict[str, Any] = {
            "start": _r(h.start), "end": _r(h.end), "duration": _r(h.duration), "long": long,
            "callback": _hit(*offer[-1]) if offer else None,
            "announced": _hit(*announced[-1]) if announced else None,
        }
        ok = not long or bool(offer)
        if failure is None and not ok:
            failure = (
                f"hold of {h.duration:.1f} s at {h.start:.1f} s, longer than {limit:g} s, without an offer to call back",
                item,
            )
        if rules.hold_require_announcement and not announced:
            ok = False
            if failure is None:
                failure = (f"hold at {h.start:.1f} s not announced to the caller", item)
        item["ok"] = ok
        items.append(item)
        prev_end = h.end
    evidence: dict[str, Any] = {"limit_s": limit, "holds": items}
    if failure is not None:
        reason, item = failure
        return Verdict("hold", "fail", {"reason": reason, "start": item["start"], "end": item["end"], **evidence})
    offered = [i["callback"] for i in items if i["long"] and i["callback"]]
    if offered:
        first = offered[0]
        return Verdict("hold", "pass", {
            "reason": "long hold with an offer to call back",
            "text": first["text"], "start": first["start"], "end": first["end"],
            "matched": {"callback": _shown_hit(first)}, **evidence,
        })
    return Verdict("hold", "pass", {"reason": f"every hold within {limit:g} s", **evidence})


# --- privacy ----------------------------------------------------------------------------


def _negation(text: Text, word: Found, negations: list[Found], markers: list[str], gap: int) -> Found | None:
    """The negation that makes `word` no request: shortly before it, same clause, no new request between."""
    for neg in negations:
        if neg.end > word.start or word.start - neg.end > gap:
            continue
        between = text.compact[neg.end : word.start]
        if text.same_clause(neg.end, word.start) and not any(m in between for m in markers):
            return neg
    return None


def check_privacy(utterances: Iterable[Utterance], rules: AuditRules | None = None) -> Verdict:
    """The agent must not ask for ID, social-security or bank-account numbers (or passwords).

    A privacy word inside a benign phrase (请带上身份证 …) or shortly after a
    negation in the same clause (我们不会向您索要身份证号) is not a request,
    unless a new request starts in between (不用担心请告诉我您的身份证号).
    """
    rules = rules or AuditRules()
    agent = [u for u in _leg(utterances, "agent") if u.text.strip()]
    if not agent:
        return Verdict("privacy", "n/a", {"reason": "no agent speech"})
    markers = [normalize(m) for m in rules.privacy_request_markers if m]
    asked: list[tuple[Utterance, Found]] = []
    negated: list[dict[str, Any]] = []
    benign: list[dict[str, Any]] = []
    for u in agent:
        text = Text(u.text)
        by_sound = rules.phrase_pinyin_min_syllables
        hits = text.find_all(rules.privacy_words, pinyin_min=by_sound)
        if not hits:
            continue
        safe = text.find_all(rules.privacy_benign, pinyin_min=by_sound)
        negs = text.find_all(rules.privacy_negations, pinyin_min=by_sound)
        prev_negated: Found | None = None
        prev_neg_word: Found | None = None
        for f in hits:
            cover = next((b for b in safe if b.start <= f.start < b.end), None)
            if cover is not None:
                benign.append(_hit(u, f, phrase=cover.heard))
                continue
            neg = _negation(text, f, negs, markers, rules.privacy_negation_gap)
            if neg is None and prev_negated is not None and f.start - prev_negated.end <= 3 \
                    and text.same_clause(prev_negated.end, f.start):
                neg = prev_neg_word  # 不会索要身份证号或银行卡密码: the negation covers the list
            if neg is not None:
                negated.append(_hit(u, f, negation=neg.heard))
                prev_negated, prev_neg_word = f, neg
                continue
            prev_negated = None
            asked.append((u, f))
    notes: dict[str, Any] = {}
    if negated:
        notes["negated"] = negated
    if benign:
        notes["benign"] = benign
    if asked:
        u0, f0 = asked[0]
        first = [_shown(f) for u, f in asked if u is u0]
        return Verdict("privacy", "fail", {
            "reason": "the agent asked for sensitive data (ID, social-security or bank-account numbers, passwords)",
            "text": _excerpt(u0.text, f0.start, f0.end), "start": _r(u0.start), "end": _r(u0.end),
            "matched": {"privacy": "、".join(dict.fromkeys(first))},
            "found": [_hit(u, f) for u, f in asked],
            **notes,
        })
    return Verdict("privacy", "pass", {
        "reason": "the agent asked for no ID, social-security or bank-account data", **notes,
    })


# --- transfer ---------------------------------------------------------------------------


def check_transfer(
    utterances: Iterable[Utterance], facts: CallFacts, rules: AuditRules | None = None
) -> Verdict:
    """Each transfer is announced to the caller first (an agent utterance starting
    after the previous transfer and before this one names the transfer)."""
    rules = rules or AuditRules()
    if not facts.answered:
        return Verdict("transfer", "n/a", {"reason": "call not answered"})
    if not facts.transfers:
        return Verdict("transfer", "n/a", {"reason": "no transfers"})
    agent = _leg(utterances, "agent")
    announcements = _find(agent, rules.transfer_words, rules)
    items: list[dict[str, Any]] = []
    prev = float("-inf")
    for t in facts.transfers:
        before = [(u, f) for u, f in announcements if prev <= u.start < t]
        item: dict[str, Any] = {"at": _r(t), "announced": _hit(*before[-1]) if before else None}
        if not before:
            said = [u for u in agent if prev <= u.start < t and u.text.strip()]
            if said:
                item["last_words_before"] = {"text": _quote_tail(said[-1].text), "start": _r(said[-1].start),
                                             "end": _r(said[-1].end)}
        items.append(item)
        prev = t
    missing = [i for i in items if i["announced"] is None]
    if missing:
        first = missing[0]
        return Verdict("transfer", "fail", {
            "reason": f"transfer at {first['at']:.1f} s without telling the caller first",
            "at": first["at"], "transfers": items,
        })
    a = items[0]["announced"]
    return Verdict("transfer", "pass", {
        "text": a["text"], "start": a["start"], "end": a["end"],
        "matched": {"transfer": _shown_hit(a)}, "transfers": items,
    })


# --- whole call, single recording ------------------------------------------------------


def audit_call(
    utterances: Iterable[Utterance], facts: CallFacts, rules: AuditRules | None = None
) -> list[Verdict]:
    """Every rule on one call, in the order of RULES."""
    rules = rules or AuditRules()
    utterances = list(utterances)
    if not facts.answered:
        return [Verdict(rule, "n/a", {"reason": "call not answered"}) for rule in RULES]
    return [
        check_greeting(utterances, rules),
        check_closing(utterances, rules),
        check_hangup_order(facts, utterances, rules),
        check_rings(facts, rules),
        check_hold(utterances, facts, rules),
        check_privacy(utterances, rules),
        check_transfer(utterances, facts, rules),
    ]


def _as_agent_utterances(source: str | Iterable[Any] | None, segments: Iterable[Any] | None) -> list[Utterance]:
    if segments is not None:
        return Utterance.from_segments("agent", segments)
    if source is None:
        return []
    if isinstance(source, str):
        return [Utterance("agent", 0.0, 0.0, source)] if source.strip() else []
    items = list(source)
    if items and all(isinstance(i, Utterance) for i in items):
        return [u for u in items if u.leg == "agent"] or Utterance.from_segments("agent", items)
    return Utterance.from_segments("agent", items)


def audit_text(
    text: str | Iterable[Utterance] | Iterable[Mapping[str, Any]],
    rules: AuditRules | None = None,
    *,
    segments: Iterable[Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Greeting, closing and privacy of one agent recording.

    `text` is the transcript (one utterance starting at 0), or a list of
    Utterances / segments ({start, end, text}); `segments`, when given, take
    the place of the text. The greeting is judged on the first words, the
    closing on the whole text. Returns {rule: {"verdict", "evidence"}}.
    """
    rules = rules or AuditRules()
    utts = _as_agent_utterances(text, segments)
    verdicts = [
        check_greeting(utts, rules),
        check_closing(utts, rules, whole=True),
        check_privacy(utts, rules),
    ]
    return {v.rule: {"verdict": v.verdict, "evidence": v.evidence} for v in verdicts}
