"""The analysis queue, kept in the database itself (no broker).

PostgreSQL: any number of workers, on any machines, claim jobs with
SELECT ... FOR UPDATE SKIP LOCKED. SQLite: writers are serialised by the
database, which is enough for the embedded worker. A claim is a lease: a job
whose worker died is claimed again after `job_lease_s`; a job that keeps
failing stops after `job_max_attempts` with its error kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from telephony.db import upsert
from telephony.db.models import AnalysisJob
from telephony.db.session import Database

PENDING, RUNNING, DONE, ERROR = "pending", "running", "done", "error"


@dataclass(frozen=True)
class Claim:
    job_id: int
    call_id: int
    attempt: int


def now() -> datetime:
    return datetime.now(timezone.utc)


def enqueue(s: Session, call_id: int, delay_s: float = 0.0) -> None:
    """Queue a call once (again only if its earlier job is finished or failed).

    Runs on the call path at every answered call's end: one statement, nothing loaded."""
    run_after = now() + timedelta(seconds=delay_s)
    table = AnalysisJob.__table__
    s.execute(upsert.insert(s, table).values(call_id=call_id, status=PENDING, run_after=run_after, attempts=0)
              .on_conflict_do_update(index_elements=[table.c.call_id],
                                     set_={"status": PENDING, "run_after": run_after, "attempts": 0, "error": None},
                                     where=table.c.status.in_((DONE, ERROR))))


def _claimable(t: datetime, lease_s: float, max_attempts: int):
    return (AnalysisJob.attempts < max_attempts) & (AnalysisJob.run_after <= t) & or_(
        AnalysisJob.status == PENDING,
        (AnalysisJob.status == RUNNING) & (AnalysisJob.claimed_at < t - timedelta(seconds=lease_s)))


def claim(db: Database, worker: str, lease_s: float, max_attempts: int) -> Claim | None:
    t = now()
    while True:
        with db.session() as s:
            job = s.execute(select(AnalysisJob.id, AnalysisJob.call_id, AnalysisJob.attempts)
                            .where(_claimable(t, lease_s, max_attempts))
                            .order_by(AnalysisJob.run_after, AnalysisJob.id)
                            .limit(1)
                            .with_for_update(skip_locked=True)).first()
            if job is None:
                _fail_exhausted(s, max_attempts, lease_s, t)
                return None
            # Compare-and-set: only one worker turns it to running (SQLite reads outside
            # a write lock; PostgreSQL's SKIP LOCKED already keeps workers apart).
            taken = s.execute(update(AnalysisJob)
                              .where(AnalysisJob.id == job.id, _claimable(t, lease_s, max_attempts))
                              .values(status=RUNNING, worker=worker[:100], claimed_at=t,
                                      attempts=AnalysisJob.attempts + 1)).rowcount
            if taken == 1:
                return Claim(job.id, job.call_id, job.attempts + 1)


def _fail_exhausted(s: Session, max_attempts: int, lease_s: float, t: datetime) -> None:
    """A job whose every attempt died with its worker ends as an error, not in limbo."""
    for job in s.scalars(select(AnalysisJob).where(
            AnalysisJob.status == RUNNING, AnalysisJob.attempts >= max_attempts,
            AnalysisJob.claimed_at < t - timedelta(seconds=lease_s)).with_for_update(skip_locked=True)):
        job.status, job.finished_at = ERROR, t
        job.error = job.error or f"worker lost {max_attempts} times"


def finish(db: Database, claim: Claim, error: str | None = None, retry_until: int = 0) -> None:
    """Done, or failed: a failure is tried again while attempts < retry_until."""
    with db.session() as s:
        job = s.get(AnalysisJob, claim.job_id)
        if job is None:
            return
        job.error = error
        job.finished_at = now()
        if error is None:
            job.status = DONE
        elif claim.attempt < retry_until:
            job.status = PENDING
        else:
            job.status = ERROR


def backlog(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(AnalysisJob.id)).where(
            AnalysisJob.status.in_((PENDING, RUNNING)))) or 0
