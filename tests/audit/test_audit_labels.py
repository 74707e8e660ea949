"""The rules reproduce the labels of shared/audio/hotline-dev/labels.tsv from its reference texts.

(The same comparison on ASR output is bench/audit_accuracy.py --transcripts.)
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from telephony.audit import (
    AuditRules,
    CallFacts,
    Utterance,
    audit_text,
    check_hold,
    check_transfer,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HOTLINE_SHARED_DIR", REPO.parent / "shared"))
LABELS = SHARED / "audio" / "hotline-dev" / "labels.tsv"

TEXT_RULES = {"agent_greeting": "greeting", "agent_closing": "closing", "agent_privacy": "privacy"}
EXPECTED = {"ok": "pass", "bad": "fail"}


def _rows(kinds):
    if not LABELS.is_file():
        return []
    with LABELS.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] in kinds]
    return [pytest.param(r, id=r["file"]) for r in rows]


def _rules(row):
    return AuditRules(company_names=[row["company"]]) if row.get("company") else AuditRules()


def test_labels_are_there(shared_dir):
    assert LABELS.is_file(), f"{LABELS} missing"
    kinds = [p.values[0]["kind"] for p in _rows(set(TEXT_RULES) | {"agent_hold", "agent_callback", "agent_transfer"})]
    for kind in TEXT_RULES:
        assert kind in kinds
    assert {p.values[0]["label"] for p in _rows({"agent_greeting"})} == {"ok", "bad"}


@pytest.mark.parametrize("row", _rows(set(TEXT_RULES)))
def test_reference_text_reproduces_the_label(row):
    rule = TEXT_RULES[row["kind"]]
    result = audit_text(row["text"], _rules(row))[rule]
    assert result["verdict"] == EXPECTED[row["label"]], (row["text"], result["evidence"])


@pytest.mark.parametrize("row", _rows(set(TEXT_RULES)))
def test_as_a_call_too(row):
    """The same words as the agent's only utterance of a call, 1 s after answer."""
    from telephony.audit import check_closing, check_greeting, check_privacy

    check = {"greeting": check_greeting, "closing": check_closing, "privacy": check_privacy}[TEXT_RULES[row["kind"]]]
    v = check([Utterance("agent", 1.0, 4.0, row["text"])], _rules(row))
    assert v.verdict == EXPECTED[row["label"]]


@pytest.mark.parametrize("row", _rows({"agent_callback"}))
def test_callback_phrases_cover_a_long_hold(row):
    v = check_hold([Utterance("agent", 1.0, 4.0, row["text"])], CallFacts(holds=[(5.0, 60.0)]), _rules(row))
    assert v.verdict == EXPECTED[row["label"]]


@pytest.mark.parametrize("row", _rows({"agent_hold"}))
def test_hold_phrases_announce_a_hold(row):
    rules = _rules(row)
    rules.hold_require_announcement = True
    v = check_hold([Utterance("agent", 1.0, 4.0, row["text"])], CallFacts(holds=[(5.0, 10.0)]), rules)
    assert v.verdict == EXPECTED[row["label"]]


@pytest.mark.parametrize("row", _rows({"agent_transfer"}))
def test_transfer_phrases_announce_a_transfer(row):
    v = check_transfer([Utterance("agent", 1.0, 4.0, row["text"])], CallFacts(transfers=[5.0]), _rules(row))
    assert v.verdict == EXPECTED[row["label"]]


@pytest.mark.parametrize("row", _rows({"caller_request"}))
def test_callers_requests_are_no_greeting(row):
    """Residents say 您好 too; without the company's name that is no greeting."""
    assert audit_text(row["text"], _rules(row))["greeting"]["verdict"] == "fail"
