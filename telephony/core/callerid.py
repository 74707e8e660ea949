"""Caller ID arrives from strangers: keep it as inert text, never trust it."""
from __future__ import annotations

import re
import unicodedata

_NON_DIGITS = re.compile(r"\D")


def clean_text(raw: str | None, max_chars: int) -> str | None:
    """Printable text only (no control or format characters), bounded in size.

    Quotes, SQL and HTML stay as literal characters: they are stored through
    bound parameters and escaped when shown, so they are harmless here.
    """
    if raw is None:
        return None
    text = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch == " ")
    text = text.strip()[:max_chars]
    return text or None


def phone_digits(raw: str | None) -> str | None:
    """The digits of a phone number, China's +86 / 0086 prefix removed, for lookups."""
    if not raw:
        return None
    digits = _NON_DIGITS.sub("", raw)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix):]
    return digits[:32] or None
