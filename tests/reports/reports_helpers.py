"""Helpers for the report tests (imported by conftest.py and the test files)."""
from __future__ import annotations

import csv
import io
import itertools
import math
from datetime import datetime, timedelta, timezone

from telephony.core.config import rings_for
from telephony.db.models import AuditVerdict, Call

Z = timezone.utc
CADENCE_MS = 5000  # the default ring_cadence_ms


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=Z)


class Seeder:
    """Writes calls with exactly the fields a test states; rings from ring_ms as the call log does."""

    numbers = itertools.count(1)  # uniqueids stay unique across several seed() calls

    def __init__(self, session):
        self.s = session

    def call(self, started_at: datetime, disposition: str | None = "answered", *, ring_ms: int | None = None,
             queue_wait_ms: int | None = None, agent: str | None = None, department: str | None = None,
             category: str | None = None, urgency: str | None = None, unit: str | None = None,
             rings: int | None = None, caller_number: str | None = None) -> Call:
        n = next(self.numbers)
        if rings is None and ring_ms is not None:
            rings = rings_for(ring_ms, CADENCE_MS)
        call = Call(uniqueid=f"t.{n}", started_at=started_at, disposition=disposition,
                    ended_at=started_at + timedelta(seconds=60) if disposition else None,
                    answered_at=started_at + timedelta(milliseconds=queue_wait_ms or 0)
                    if disposition == "answered" else None,
                    ring_ms=ring_ms, rings=rings, queue_wait_ms=queue_wait_ms, agent=agent,
                    department=department, category=category,
                    urgency=urgency or ("urgent" if category == "emergency" else "normal"), unit=unit,
                    caller_number=caller_number)
        self.s.add(call)
        self.s.flush()
        return call

    def verdicts(self, call: Call, **by_rule) -> None:
        """verdicts(call, greeting="pass", closing=("fail", {"reason": ...}), ...)"""
        for rule, v in by_rule.items():
            verdict, evidence = (v, {"reason": f"{rule} {v}"}) if isinstance(v, str) else v
            self.s.add(AuditVerdict(call_id=call.id, rule=rule, verdict=verdict, evidence=evidence))
        self.s.flush()


def p_cont(x_i: float, x_next: float, r: float) -> float:
    """percentile_cont between the order statistics x[floor(r)] and the next, at rank r, in
    doubles as PostgreSQL computes it: the reports' percentiles are exactly this."""
    return x_i + (r - math.floor(r)) * (x_next - x_i)


def get_report(api, report: str, **params) -> dict:
    resp = api.get(f"/api/reports/{report}", params={k: v for k, v in params.items() if v is not None})
    assert resp.status_code == 200, resp.text
    return resp.json()


def rows_by(report: dict, key: str) -> dict:
    return {row[key]: row for row in report["rows"]}


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    assert text.startswith("\ufeff")  # for Excel
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    return list(reader.fieldnames or []), list(reader)
