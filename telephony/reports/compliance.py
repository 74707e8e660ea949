"""The compliance report: the audit's verdicts per rule, per group, and the failing calls.

Counted in the reports' frame (telephony.reports.frame), where each answered call has
the code of its verdicts' combination: one count per (group, combination), times the
combinations' matrix, gives passed, failed and n/a per rule; the combination without
any verdict counts the calls not audited yet. The newest failing calls are the last
ones of the scope (the frame is in started_at order) with a failing verdict; their
verdicts and evidence are then read from the database by id.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from telephony.audit.rules import RULES
from telephony.core.config import Settings
from telephony.db.models import AuditVerdict, Call
from telephony.reports.common import Scope, iso, ratio, row_order
from telephony.reports.frame import VERDICT_CODES, frame_for
from telephony.reports.names import group_names, key_columns, key_fields
from telephony.reports.scoped import Rows, equals, groups_of, in_scope

VERDICTS = {"pass": "passed", "fail": "failed", "n/a": "na"}
FAILURE_COLUMNS = ["call_id", "uniqueid", "started_at", "agent", "department", "rule", "evidence"]
SUMMARY_CHARS = 200
QUOTED = ("first_words", "last_words", "text", "words")


def rule_columns(rules: list[str]) -> list[str]:
    return [f"{r}_{c}" for r in rules for c in ("passed", "failed", "na", "pass_rate")]


def compliance_report(session: Session, settings: Settings, scope: Scope,
                      failures_limit: int = 50) -> dict[str, Any]:
    with frame_for(session).snapshot(session, settings) as snap:
        rows = in_scope(snap, scope)
        answered = rows.where(equals(snap, "disposition", rows.col("disposition"), "answered"))
        groups = groups_of(answered, scope)
        codes = answered.col("verdicts")
        per_combo = groups.count_by(codes, len(snap.combos))  # (group, combination)
        counts = {v: per_combo @ (snap.combos == code).astype(np.int64) for v, code in VERDICT_CODES.items()}
        any_verdict = per_combo @ (snap.combos != 0).astype(np.int64)  # (group, rule)
        failing = (snap.combos == VERDICT_CODES["fail"]).any(axis=1)
        failures = _failures(session, scope, _newest(answered, failing, failures_limit), failures_limit)
        names = group_names(session, settings, scope.group_by, groups.keys)

    found = any_verdict.sum(axis=0)
    rules = list(RULES) + [r for k, r in enumerate(snap.rules) if k >= len(RULES) and found[k]]
    column = {r: k for k, r in enumerate(snap.rules)}
    counts = {v: c.tolist() for v, c in counts.items()}  # Python ints: the loop below reads each once
    answered_n, not_audited_n = per_combo.sum(axis=1).tolist(), per_combo[:, 0].tolist()
    out, failures_total = [], 0
    for g, key in enumerate(groups.keys):
        n_answered = answered_n[g]
        if scope.group_by is not None and not n_answered:
            continue
        not_audited = not_audited_n[g]  # combination 0: no verdict at all
        row = key_fields(scope.group_by, key, names)
        row.update(answered=n_answered, audited=n_answered - not_audited, not_audited=not_audited)
        passed_all = failed_all = 0
        for rule in rules:
            k = column[rule]
            by = {col: counts[v][g][k] for v, col in VERDICTS.items()}
            for col, n in by.items():
                row[f"{rule}_{col}"] = n
            row[f"{rule}_pass_rate"] = ratio(by["passed"], by["passed"] + by["failed"])
            passed_all += by["passed"]
            failed_all += by["failed"]
        row["verdicts_passed"] = passed_all
        row["verdicts_failed"] = failed_all
        row["pass_rate"] = ratio(passed_all, passed_all + failed_all)
        failures_total += failed_all
        out.append(row)
    out.sort(key=row_order(scope.group_by))
    return {
        "report": "compliance", **scope.describe(),
        "rules": rules,
        "definitions": {
            "answered": "answered calls that started in the range",
            "audited": "answered calls with verdicts", "not_audited": "answered calls without verdicts yet",
            "<rule>_passed / _failed / _na": "verdicts pass / fail / n/a of that rule",
            "<rule>_pass_rate": "passed / (passed + failed); null when both are 0",
            "pass_rate": "all rules: verdicts_passed / (verdicts_passed + verdicts_failed)",
            "failures": "the newest failing verdicts (newest call first), at most failures_limit",
        },
        "columns": key_columns(scope.group_by) + ["answered", "audited", "not_audited",
                                                         *rule_columns(rules), "verdicts_passed",
                                                         "verdicts_failed", "pass_rate"],
        "rows": out,
        "failures_total": failures_total, "failures_limit": failures_limit,
        "failures_truncated": failures_total > len(failures),
        "failure_columns": FAILURE_COLUMNS, "failures": failures,
    }


def _newest(rows: Rows, failing: np.ndarray, limit: int) -> list[int]:
    """The ids of the newest `limit` calls among rows whose verdicts' combination is failing:
    read backwards from the end of the range, a growing stretch at a time."""
    snap, out = rows.snap, []
    hi, step = rows.hi, 4096
    while hi > rows.lo and len(out) < limit:
        lo = max(rows.lo, hi - step)
        hit = failing[snap.cols["verdicts"][lo:hi]]
        if rows.mask is not None:
            hit &= rows.mask[lo - rows.lo:hi - rows.lo]
        out += snap.cols["id"][lo + np.flatnonzero(hit)][::-1].tolist()
        hi, step = lo, step * 4
    return out[:limit]


def _failures(session: Session, scope: Scope, call_ids: list[int], limit: int) -> list[dict[str, Any]]:
    """The failing verdicts of these calls (the newest failing calls of the scope, at most
    `limit`: each has one at least), newest call first, at most `limit`."""
    if limit <= 0 or not call_ids:
        return []
    # SQLite, which keeps no statistics, would start from every failing verdict of the log
    # through the index on verdict: `verdict || ''` can't use it, so it goes by these calls' ids.
    verdict = AuditVerdict.verdict
    if session.get_bind().dialect.name == "sqlite":
        verdict = verdict.concat("")
    q = (select(Call.id, Call.uniqueid, Call.started_at, Call.agent, Call.department,
                AuditVerdict.rule, AuditVerdict.evidence)
         .select_from(Call).join(AuditVerdict, AuditVerdict.call_id == Call.id)
         .where(Call.id.in_(call_ids), verdict == "fail")
         .order_by(Call.started_at.desc(), Call.id.desc(), AuditVerdict.rule)
         .limit(limit))
    return [{"call_id": cid, "uniqueid": uid, "started_at": iso(started, scope.tz, "milliseconds"),
             "agent": agent, "department": dept, "rule": rule, "evidence": evidence_summary(evidence)}
            for cid, uid, started, agent, dept, rule, evidence in session.execute(q)]


def evidence_summary(evidence: Any) -> str:
    """One line: the evidence's reason and the words it quotes, at most SUMMARY_CHARS."""
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence)
        except ValueError:
            return evidence[:SUMMARY_CHARS]
    if not isinstance(evidence, dict):
        return json.dumps(evidence, ensure_ascii=False)[:SUMMARY_CHARS]
    reason = evidence.get("reason")
    quote = next((evidence[k] for k in QUOTED if isinstance(evidence.get(k), str) and evidence[k]), None)
    if reason is None:
        summary = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
    else:
        summary = str(reason) + (f": 「{quote}」" if quote else "")
    return summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS - 1] + "…"
