import pytest

from telephony.core.callerid import clean_text, phone_digits


@pytest.mark.parametrize("raw", [
    "'; DROP TABLE calls; --",
    '<script>alert("x")</script>',
    '"quoted" name',
])
def test_hostile_text_is_kept_literally(raw):
    assert clean_text(raw, 128) == raw


def test_control_characters_are_removed_and_size_is_bounded():
    assert clean_text("a\x00b\r\nc\x1b[31m", 128) == "abc[31m"
    assert len(clean_text("9" * 1024, 128)) == 128


def test_replacement_characters_from_invalid_utf8_survive_as_text():
    raw = b"\xff\xfe138".decode("utf-8", "replace")
    assert clean_text(raw, 128) == "\ufffd\ufffd138"


def test_empty_is_none():
    assert clean_text("  \x00 ", 128) is None
    assert clean_text(None, 128) is None


@pytest.mark.parametrize("raw,digits", [
    ("13800000001", "13800000001"),
    ("+86 138-0000-0001", "13800000001"),
    ("008613800000001", "13800000001"),
    ("010-6512 3456", "01065123456"),
    ("anonymous", None),
    (None, None),
])
def test_phone_digits(raw, digits):
    assert phone_digits(raw) == digits
