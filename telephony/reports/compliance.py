"""The compliance report: the audit's verdicts per rule, per group, and the failing calls.

Three queries:

1. answered calls per group (one grouped scan of the range);
2. answered calls LEFT JOIN their verdicts, counted per (group, rule,
   verdict): the rows without a verdict are exactly the answered calls not
   audited yet (on SQLite, the same counts through each call's verdicts folded
   into one string: see _verdict_counts);
3. the newest failing verdicts, at most `failures_limit` of them (walks the
   range newest first and stops).
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from telephony.audit.rules import RULES
from telephony.core.config import Settings
from telephony.db.models import AuditVerdict, Call
from telephony.reports.common import (
    Scope,
    dialect,
    group_key_or_total,
    iso,
    key_value,
    ratio,
    row_order,
    tuned,
    unindexed,
    where,
)
from telephony.reports.names import group_names, key_columns, key_fields

VERDICTS = {"pass": "passed", "fail": "failed", "n/a": "na"}
FAILURE_COLUMNS = ["call_id", "uniqueid", "started_at", "agent", "department", "rule", "evidence"]
SUMMARY_CHARS = 200
QUOTED = ("first_words", "last_words", "text", "words")


def rule_columns(rules: list[str]) -> list[str]:
    return [f"{r}_{c}" for r in rules for c in ("passed", "failed", "na", "pass_rate")]


def compliance_report(session: Session, settings: Settings, scope: Scope,
                      failures_limit: int = 50) -> dict[str, Any]:
    with tuned(session):
        return _compliance_report(session, settings, scope, failures_limit=failures_limit)


def _compliance_report(session: Session, settings: Settings, scope: Scope,
                       failures_limit: int = 50) -> dict[str, Any]:
    d = dialect(session)
    key, by = group_key_or_total(session, scope)
    answered = unindexed(Call.disposition, d) == "answered"
    conds = where(scope, d)

    groups: dict[Any, dict[str, Any]] = {}

    def group(g: Any) -> dict[str, Any]:
        return groups.setdefault(g, {"answered": 0, "not_audited": 0, "verdicts": defaultdict(int)})

    for g, n in session.execute(select(key, func.count()).where(*conds, answered).group_by(*by)):
        group(key_value(scope.group_by, g))["answered"] += n

    rules = list(RULES)
    for g, rule, verdict, n in _verdict_counts(session, d, key, by, conds, answered):
        acc = group(key_value(scope.group_by, g))
        if rule is None:  # an answered call without any verdict
            acc["not_audited"] += n
            continue
        if rule not in rules:
            rules.append(rule)
        acc["verdicts"][rule, verdict] += n

    if scope.group_by is None:
        group(None)  # one total row, even of nothing
    names = group_names(session, settings, scope.group_by, list(groups))
    rows, failures_total = [], 0
    for g, acc in groups.items():
        row = key_fields(scope.group_by, g, names)
        row["answered"] = acc["answered"]
        row["audited"] = acc["answered"] - acc["not_audited"]
        row["not_audited"] = acc["not_audited"]
        passed_all = failed_all = 0
        for rule in rules:
            counts = {col: acc["verdicts"][rule, v] for v, col in VERDICTS.items()}
            for col, n in counts.items():
                row[f"{rule}_{col}"] = n
            row[f"{rule}_pass_rate"] = ratio(counts["passed"], counts["passed"] + counts["failed"])
            passed_all += counts["passed"]
            failed_all += counts["failed"]
        row["verdicts_passed"] = passed_all
        row["verdicts_failed"] = failed_all
        row["pass_rate"] = ratio(passed_all, passed_all + failed_all)
        failures_total += failed_all
        rows.append(row)
    rows.sort(key=row_order(scope.group_by))

    failures = _failures(session, scope, conds, answered, failures_limit)
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
        "rows": rows,
        "failures_total": failures_total, "failures_limit": failures_limit,
        "failures_truncated": failures_total > len(failures),
        "failure_columns": FAILURE_COLUMNS, "failures": failures,
    }


UNIT_SEP, RECORD_SEP = "\x1f", "\x1e"


def _verdict_counts(session: Session, d: str, key, by, conds, answered):
    """(group, rule, verdict, count) over the answered calls in scope; rule None counts the
    calls without verdicts."""
    if d != "sqlite":
        q = (select(key, AuditVerdict.rule, AuditVerdict.verdict, func.count())
             .select_from(Call).outerjoin(AuditVerdict, AuditVerdict.call_id == Call.id)
             .where(*conds, answered)
             .group_by(*by, AuditVerdict.rule, AuditVerdict.verdict))
        yield from session.execute(q)
        return
    # SQLite sorts every row it groups, and sorting the join (7 verdicts a call) costs
    # ten times the join itself. So each call's verdicts are first folded into one
    # string ("greeting<US>pass<RS>closing<US>fail..."), the calls grouped by (group, that
    # string), and the strings split here: a few hundred distinct strings at most.
    code = (select(func.group_concat(AuditVerdict.rule.concat(UNIT_SEP).concat(AuditVerdict.verdict),
                                     RECORD_SEP))
            .where(AuditVerdict.call_id == Call.id)
            .scalar_subquery())
    q = (select(key, code.label("code"), func.count())
         .where(*conds, answered)
         .group_by(*by, text("code")))
    for g, folded, n in session.execute(q):
        if folded is None:
            yield g, None, None, n
            continue
        for pair in folded.split(RECORD_SEP):
            rule, _, verdict = pair.partition(UNIT_SEP)
            yield g, rule, verdict, n


def _failures(session: Session, scope: Scope, conds, answered, limit: int) -> list[dict[str, Any]]:
    if limit <= 0:
        return []
    # The verdict filter is hidden from SQLite's planner too: walking the range newest
    # first and probing each call's verdicts stops after `limit` rows, whereas starting
    # from every failing verdict in the table does not.
    q = (select(Call.id, Call.uniqueid, Call.started_at, Call.agent, Call.department,
                AuditVerdict.rule, AuditVerdict.evidence)
         .select_from(Call).join(AuditVerdict, AuditVerdict.call_id == Call.id)
         .where(*conds, answered, unindexed(AuditVerdict.verdict, dialect(session)) == "fail")
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
