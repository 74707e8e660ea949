"""The audit's input and output types."""
from __future__ import annotations

import json

import pytest

from telephony.audit import RULES, AuditRules, CallFacts, Hold, Utterance, Verdict


def test_utterance_validates_leg_and_times():
    u = Utterance("agent", 1, 2.5, "您好")
    assert (u.start, u.end) == (1.0, 2.5) and isinstance(u.start, float)
    with pytest.raises(ValueError):
        Utterance("supervisor", 0, 1, "x")
    with pytest.raises(ValueError):
        Utterance("agent", 3, 2, "x")
    with pytest.raises(ValueError):
        Utterance("agent", float("nan"), 2, "x")


def test_utterances_from_stored_segments():
    segs = [{"start": 0.5, "end": 2.0, "text": "您好，"}, {"start": 2.1, "end": 3.0, "text": None}, (3.5, 4.0, "和美物业")]
    utts = Utterance.from_segments("agent", segs)
    assert [u.text for u in utts] == ["您好，", "", "和美物业"]
    assert all(u.leg == "agent" for u in utts)
    assert Utterance.from_segments("caller", utts)[0].leg == "caller"


def test_holds_from_the_call_rows_json():
    facts = CallFacts(answered=True, rings=2, hangup_by="caller", holds=[[40, 70], {"start": 5, "end": 9}, Hold(1, 2)],
                      transfers=[30, 12.5])
    assert [(h.start, h.end) for h in facts.holds] == [(1, 2), (5, 9), (40, 70)]
    assert facts.holds[-1].duration == 30
    assert facts.transfers == [12.5, 30.0]
    with pytest.raises(ValueError):
        Hold(5, 4)
    with pytest.raises(ValueError):
        CallFacts(hangup_by="nobody")


def test_verdict_values_and_json():
    v = Verdict("greeting", "pass", {"text": "您好，和美物业", "start": 0.0})
    assert json.loads(json.dumps(v.to_dict(), ensure_ascii=False)) == {
        "rule": "greeting", "verdict": "pass", "evidence": {"text": "您好，和美物业", "start": 0.0}}
    with pytest.raises(ValueError):
        Verdict("greeting", "ok", {})


def test_rule_names_fit_the_database_column():
    assert all(len(rule) <= 20 for rule in RULES)  # audit_verdicts.rule is String(20)


def test_rules_defaults_follow_the_standards():
    rules = AuditRules()
    assert rules.company_names == ["和美物业", "和美"]
    assert rules.greeting_window_s == 5.0 and rules.ring_limit == 3 and rules.hold_limit_s == 20.0
    assert "您好" in rules.greeting_words and "你好" in rules.greeting_mishearings
    assert {"身份证", "社保", "银行卡", "银行账号", "卡号", "密码"} <= set(rules.privacy_words)
    assert {"为您转接", "帮您转到", "转给"} <= set(rules.transfer_words)
    # Lists are per instance: changing one doesn't change the defaults.
    rules.greeting_words.append("早上好")
    assert "早上好" not in AuditRules().greeting_words


def test_rules_validation():
    with pytest.raises(ValueError):
        AuditRules(closing_require="sometimes")
    with pytest.raises(ValueError):
        AuditRules(hold_limit_s=-1)
    assert AuditRules(company_names="锦绣物业").company_names == ["锦绣物业"]


def test_rules_from_the_projects_settings():
    from telephony.core.config import Settings

    rules = AuditRules.from_settings(Settings(company_name="锦绣", ring_limit=4, hold_limit_s=30))
    assert rules.company_names == ["锦绣物业", "锦绣"]
    assert (rules.ring_limit, rules.hold_limit_s, rules.greeting_window_s) == (4, 30, 5.0)
    assert AuditRules.from_settings(object()).company_names == ["和美物业", "和美"]
    assert AuditRules.from_settings(object(), ring_limit=2).ring_limit == 2
