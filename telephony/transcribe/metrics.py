"""Character error rate for Mandarin transcripts."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from .text import normalise_for_scoring


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer_counts(ref: str, hyp: str) -> tuple[int, int]:
    """(edits, reference length) after normalising both sides."""
    r, h = normalise_for_scoring(ref), normalise_for_scoring(hyp)
    return edit_distance(r, h), len(r)


def cer(ref: str, hyp: str) -> float:
    """Character error rate: edit distance / len(ref), after normalising both
    sides (simplified characters, no punctuation or whitespace).

    Can exceed 1.0 (many insertions). An empty reference scores 0.0 against an
    empty hypothesis and 1.0 against anything else.
    """
    edits, n = cer_counts(ref, hyp)
    if n == 0:
        return 0.0 if edits == 0 else 1.0
    return edits / n


def corpus_cer(pairs: Iterable[tuple[str, str]]) -> float:
    """Total edits / total reference characters over (ref, hyp) pairs."""
    edits = chars = 0
    for ref, hyp in pairs:
        e, n = cer_counts(ref, hyp)
        edits += e
        chars += n
    return edits / chars if chars else 0.0
