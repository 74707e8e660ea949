"""Audit of answered calls against the company's phone standards (shared/domain.md).

Pure functions over transcript segments and PBX facts; no database. Each rule
returns a Verdict whose evidence names the words and where they were said.
"""
from telephony.audit.model import AuditRules, CallFacts, Hold, Utterance, Verdict
from telephony.audit.rules import (
    RULES,
    TEXT_RULES,
    audit_call,
    audit_text,
    check_closing,
    check_greeting,
    check_hangup_order,
    check_hold,
    check_privacy,
    check_rings,
    check_transfer,
)

__all__ = [
    "RULES",
    "TEXT_RULES",
    "AuditRules",
    "CallFacts",
    "Hold",
    "Utterance",
    "Verdict",
    "audit_call",
    "audit_text",
    "check_closing",
    "check_greeting",
    "check_hangup_order",
    "check_hold",
    "check_privacy",
    "check_rings",
    "check_transfer",
]
