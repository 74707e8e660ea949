"""Text normalisation shared by the engines and the metrics.

Engines output simplified Chinese with no whitespace between CJK characters
(Kaldi/vosk Chinese models emit space-separated words; Whisper sometimes
answers in traditional characters).
"""
from __future__ import annotations

import re
import unicodedata

import zhconv

# CJK ideographs (+ extension A, compatibility), CJK punctuation, full-width forms.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


def to_simplified(text: str) -> str:
    """Traditional -> simplified characters (script only, no regional vocabulary)."""
    return zhconv.convert(text, "zh-hans")


def clean_transcript(text: str) -> str:
    """What an engine returns: simplified, CJK runs unspaced, other spaces collapsed."""
    text = to_simplified(text).strip()
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _SPACES.sub(" ", text)


def normalise_for_scoring(text: str) -> str:
    """For CER: NFKC (full-width -> ASCII), simplified, lower-case, no punctuation,
    symbols or whitespace."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(
        ch for ch in text if not (unicodedata.category(ch)[0] in "PSZC" or ch.isspace())
    )
