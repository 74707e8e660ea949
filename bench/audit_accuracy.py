"""Verdict accuracy of the audit rules against shared/audio/hotline-dev/labels.tsv.

Always on the reference texts (what the clips say); with --transcripts, also on
ASR output: a file of JSON lines {file, text, segments}, as
`hotline transcribe --json` prints them (--transcripts may be repeated, e.g. one
file per audio variant).

    .venv/bin/python bench/audit_accuracy.py [--transcripts asr.jsonl] [--json results.json]

Scored: agent_greeting → greeting, agent_closing → closing, agent_privacy →
privacy (label ok = pass, bad = fail), each judged by `audit_text` with the
row's company. Also scored, as detections: agent_hold (the hold is announced),
agent_callback (an offer to call back covers a long hold) and agent_transfer
(the transfer is announced), each phrase placed before a hold / transfer.
Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/audit_accuracy.py` from anywhere
    sys.path.insert(0, str(REPO))

from telephony.audit import (
    AuditRules,
    CallFacts,
    Hold,
    Utterance,
    audit_text,
    check_hold,
    check_transfer,
)

TEXT_KINDS = {"agent_greeting": "greeting", "agent_closing": "closing", "agent_privacy": "privacy"}
DETECTION_KINDS = {"agent_hold": "hold_announced", "agent_callback": "callback_offered", "agent_transfer": "transfer_announced"}
RULE_ORDER = ["greeting", "closing", "privacy", "hold_announced", "callback_offered", "transfer_announced"]


def shared_dir() -> Path:
    return Path(os.environ.get("HOTLINE_SHARED_DIR", REPO.parent / "shared"))


def default_labels() -> Path:
    return shared_dir() / "audio" / "hotline-dev" / "labels.tsv"


def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def read_transcripts(path: Path) -> dict[str, dict[str, Any]]:
    """{basename: {text, segments}} from a JSON-lines file.

    Blank and unreadable lines and {file, error} records are skipped (the file
    then counts as not transcribed).
    """
    out: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
                name = Path(rec["file"]).name
            except (ValueError, KeyError, TypeError) as exc:
                print(f"{path}:{n}: skipped ({exc})", file=sys.stderr)
                continue
            if rec.get("error"):  # {file, error}: not transcribed
                print(f"{path}:{n}: {name} not transcribed ({rec['error']})", file=sys.stderr)
                continue
            out[name] = {"text": rec.get("text") or "", "segments": rec.get("segments") or []}
    return out


def rules_for(row: dict[str, str], base: AuditRules) -> AuditRules:
    company = (row.get("company") or "").strip()
    return replace(base, company_names=[company]) if company else base


def _utterances(text: str, segments: list[dict[str, Any]]) -> list[Utterance]:
    if segments:
        return Utterance.from_segments("agent", segments)
    return [Utterance("agent", 0.0, 0.0, text)] if text.strip() else []


def judge(row: dict[str, str], text: str, segments: list[dict[str, Any]], base: AuditRules) -> tuple[str, str, str, dict]:
    """(rule, expected, got, evidence) for one labelled row."""
    kind, label = row["kind"], row["label"].strip()
    rules = rules_for(row, base)
    if kind in TEXT_KINDS:
        rule = TEXT_KINDS[kind]
        result = audit_text(segments or text, rules)[rule]
        expected = {"ok": "pass", "bad": "fail"}[label]
        return rule, expected, result["verdict"], result["evidence"]
    rule = DETECTION_KINDS[kind]
    utts = _utterances(text, segments)
    said_until = max((u.end for u in utts), default=0.0) + 0.5
    expected = {"ok": "pass", "bad": "fail"}[label]
    if rule == "hold_announced":
        v = check_hold(utts, CallFacts(holds=[Hold(said_until, said_until + 5.0)]),
                       replace(rules, hold_require_announcement=True))
    elif rule == "callback_offered":
        v = check_hold(utts, CallFacts(holds=[Hold(said_until, said_until + rules.hold_limit_s + 10.0)]), rules)
    else:
        v = check_transfer(utts, CallFacts(transfers=[said_until]), rules)
    return rule, expected, v.verdict, v.evidence


def evaluate(rows: list[dict[str, str]], texts: dict[str, dict[str, Any]] | None, base: AuditRules) -> dict[str, Any]:
    """Score every scored row; `texts` None = the reference texts."""
    items: list[dict[str, Any]] = []
    missing: list[str] = []
    for row in rows:
        if row["kind"] not in TEXT_KINDS and row["kind"] not in DETECTION_KINDS:
            continue
        if row["label"].strip() not in ("ok", "bad"):
            continue
        if texts is None:
            text, segments = row["text"], []
        elif row["file"] in texts:
            text, segments = texts[row["file"]]["text"], texts[row["file"]]["segments"]
        else:
            missing.append(row["file"])
            continue
        rule, expected, got, evidence = judge(row, text, segments, base)
        items.append({
            "file": row["file"], "rule": rule, "label": row["label"], "expected": expected, "got": got,
            "correct": expected == got, "text": text, "reference": row["text"], "evidence": evidence,
        })
    per_rule: dict[str, dict[str, Any]] = {}
    for rule in RULE_ORDER:
        mine = [i for i in items if i["rule"] == rule]
        if not mine:
            continue
        correct = sum(i["correct"] for i in mine)
        per_rule[rule] = {
            "n": len(mine), "correct": correct, "accuracy": correct / len(mine),
            "errors": [f"{i['file']} ({i['label']}→{i['got']})" for i in mine if not i["correct"]],
        }
    text_items = [i for i in items if i["rule"] in TEXT_KINDS.values()]
    overall = {
        "n": len(text_items), "correct": sum(i["correct"] for i in text_items),
        "accuracy": (sum(i["correct"] for i in text_items) / len(text_items)) if text_items else None,
    }
    return {"rules": per_rule, "overall": overall, "missing": missing, "items": items}


def markdown(results: dict[str, dict[str, Any]]) -> str:
    lines = ["| source | rule | n | correct | accuracy | errors |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for source, res in results.items():
        for rule, r in res["rules"].items():
            lines.append(f"| {source} | {rule} | {r['n']} | {r['correct']} | {100 * r['accuracy']:.1f} % | "
                         f"{', '.join(r['errors']) or '—'} |")
        o = res["overall"]
        if o["n"]:
            lines.append(f"| {source} | **greeting+closing+privacy** | {o['n']} | {o['correct']} | "
                         f"**{100 * o['accuracy']:.1f} %** | |")
        if res["missing"]:
            lines.append(f"| {source} | (not transcribed) | {len(res['missing'])} | | | {', '.join(res['missing'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=None, help="labels.tsv (default: shared/audio/hotline-dev/labels.tsv)")
    ap.add_argument("--transcripts", type=Path, action="append", default=[],
                    help="JSON lines {file, text, segments} (hotline transcribe --json); may be repeated")
    ap.add_argument("--json", type=Path, default=None, help="write the results (with every verdict's evidence) here")
    args = ap.parse_args(argv)

    labels = args.labels or default_labels()
    if not labels.is_file():
        print(f"labels not found: {labels} (set HOTLINE_SHARED_DIR or pass --labels)", file=sys.stderr)
        return 2
    rows = read_labels(labels)
    base = AuditRules()
    results: dict[str, dict[str, Any]] = {"reference": evaluate(rows, None, base)}
    for path in args.transcripts:
        name = f"asr:{path.stem}"
        while name in results:
            name += "'"
        results[name] = evaluate(rows, read_transcripts(path), base)

    print(markdown(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"labels": str(labels), "results": results}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
