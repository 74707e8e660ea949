"""The page's files, read without a browser: every module it imports exists, every string
it shows has a Chinese and an English text, and the words the API sends (rules, verdicts,
dispositions, agent states...) all have a label."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from telephony.audit.model import VERDICTS
from telephony.audit.rules import RULES
from telephony.logging.calllog import DISPOSITIONS, HANGUP_BY
from telephony.pbx.wallboard import OFFLINE, PAUSED, READY, RINGING_STATE, TALKING
from telephony.web import STATIC

JS = sorted((STATIC / "js").rglob("*.js"))
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']""", re.M)
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([^"']+)["']""")


def strings(lang: str) -> dict[str, str]:
    """The i18n module's table for one language (its `  zh: {` … `  },` block)."""
    source = (STATIC / "js" / "i18n.js").read_text()
    block = re.search(rf"^  {lang}: \{{\n(.*?)^  \}},", source, re.M | re.S)
    assert block, f"no {lang} table in i18n.js"
    return dict(re.findall(r'^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",', block.group(1), re.M))


ZH, EN = strings("zh"), strings("en")


def test_every_import_resolves_to_a_file():
    assert JS, STATIC
    for path in JS:
        for target in IMPORT.findall(path.read_text()):
            assert target.startswith("."), f"{path.name} imports {target}: only our own files, no CDN"
            assert (path.parent / target).resolve().is_file(), f"{path.name}: {target} missing"


def test_the_page_loads_only_its_own_files():
    html = (STATIC / "index.html").read_text()
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert (STATIC / ref.removeprefix("/static/")).is_file(), ref
    assert "http://" not in html and "https://" not in html


def test_both_languages_have_the_same_strings():
    assert len(ZH) > 100
    assert set(ZH) == set(EN), (set(ZH) ^ set(EN))
    for key, text in ZH.items():
        assert re.findall(r"\{(\w+)\}", text) == re.findall(r"\{(\w+)\}", EN[key]), key
        assert text and EN[key], key


def test_every_string_the_code_asks_for_exists():
    used = {key for path in JS for key in LITERAL_KEY.findall(path.read_text())}
    assert used, "no t(...) calls found"
    assert sorted(used - set(ZH)) == []


@pytest.mark.parametrize("prefix,values", [
    ("rule", RULES),
    ("verdict", VERDICTS),
    ("disposition", (*DISPOSITIONS, "in_progress")),
    ("hangup_by", HANGUP_BY),
    ("state", (READY, RINGING_STATE, TALKING, PAUSED, OFFLINE)),
    ("status", ("not queued", "pending", "running", "done", "error")),
    ("role", ("admin", "supervisor", "agent")),
    ("leg", ("caller", "agent", "mixed")),
    ("field", ("started_at", "ended_at", "caller_number", "caller_name", "unit", "category", "urgency",
               "department", "agent", "ivr_answer_ms", "answered_at", "ring_ms", "rings", "queue_wait_ms",
               "talk_ms", "disposition", "hangup_by", "uniqueid")),
    ("filter", ("since", "until", "agent", "department", "category", "unit", "verdict")),
])
def test_the_apis_words_have_labels(prefix, values):
    missing = [v for v in values if f"{prefix}.{v}" not in ZH]
    assert missing == []
    zh = {ZH[f"{prefix}.{v}"] for v in values}
    assert len(zh) == len(values), f"{prefix}: two of its labels are the same"
