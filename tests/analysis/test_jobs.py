"""The analysis queue on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from telephony.analysis import jobs
from telephony.db.models import AnalysisJob
from telephony.logging.calllog import open_call

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def calls(db):
    """Three answered calls' ids, queued oldest first."""
    ids = []
    with db.session() as s:
        for i in range(3):
            ids.append(open_call(s, uniqueid=f"1795459{i}.1", started_at=T0).id)
            jobs.enqueue(s, ids[-1])
    return ids


def job(db, call_id) -> AnalysisJob:
    with db.session() as s:
        return s.scalars(select(AnalysisJob).where(AnalysisJob.call_id == call_id)).one()


def test_jobs_are_claimed_oldest_first_and_once(db, calls):
    claims = [jobs.claim(db, "w1", lease_s=60, max_attempts=3) for _ in range(4)]
    assert [c.call_id for c in claims[:3]] == calls
    assert claims[3] is None
    assert job(db, calls[0]).status == jobs.RUNNING and job(db, calls[0]).worker == "w1"


def test_enqueue_is_idempotent_and_requeues_finished_jobs(db, calls):
    with db.session() as s:
        jobs.enqueue(s, calls[0])
    assert jobs.backlog(db) == 3
    claim = jobs.claim(db, "w", 60, 3)
    jobs.finish(db, claim)
    assert job(db, claim.call_id).status == jobs.DONE
    with db.session() as s:
        jobs.enqueue(s, claim.call_id)  # asked again (e.g. after a model change): queued again
    assert job(db, claim.call_id).status == jobs.PENDING


def test_enqueue_leaves_a_pending_or_running_job_as_it_is(db, calls):
    claim = jobs.claim(db, "w", 60, 3)
    with db.session() as s:
        jobs.enqueue(s, claim.call_id)  # the call's end reported twice while its job runs
        jobs.enqueue(s, calls[1])
    assert job(db, claim.call_id).status == jobs.RUNNING and job(db, claim.call_id).worker == "w"
    assert job(db, calls[1]).status == jobs.PENDING
    assert jobs.backlog(db) == 3


def test_a_job_runs_only_after_its_delay(db):
    with db.session() as s:
        call_id = open_call(s, uniqueid="9.9", started_at=T0).id
        jobs.enqueue(s, call_id, delay_s=3600)
    assert jobs.claim(db, "w", 60, 3) is None


def test_a_lost_worker_s_job_is_claimed_again_after_the_lease(db, calls):
    first = jobs.claim(db, "crashed", lease_s=60, max_attempts=3)
    with db.session() as s:  # the worker died an hour ago
        s.scalars(select(AnalysisJob).where(AnalysisJob.id == first.job_id)).one().claimed_at = \
            datetime.now(timezone.utc) - timedelta(hours=1)
    again = jobs.claim(db, "w2", lease_s=60, max_attempts=3)
    assert again.call_id == first.call_id and again.attempt == 2
    assert job(db, first.call_id).worker == "w2"


def test_failures_are_retried_then_kept_as_errors(db, calls):
    target = calls[0]
    for attempt in (1, 2, 3):
        claim = jobs.claim(db, "w", 60, max_attempts=3)
        assert (claim.call_id, claim.attempt) == (target, attempt)
        jobs.finish(db, claim, error="decoder exploded", retry_until=3)
    assert job(db, target).status == jobs.ERROR
    assert job(db, target).error == "decoder exploded"
    assert jobs.claim(db, "w", 60, 3).call_id == calls[1]


def test_bad_audio_is_an_error_at_once(db, calls):
    claim = jobs.claim(db, "w", 60, 3)
    jobs.finish(db, claim, error="a.wav: empty file")
    assert job(db, claim.call_id).status == jobs.ERROR and job(db, claim.call_id).attempts == 1


def test_a_job_whose_workers_all_died_ends_as_an_error(db):
    with db.session() as s:
        call_id = open_call(s, uniqueid="7.7", started_at=T0).id
        jobs.enqueue(s, call_id)
    for _ in range(2):
        assert jobs.claim(db, "dies", lease_s=0, max_attempts=2) is not None
    assert jobs.claim(db, "w", lease_s=0, max_attempts=2) is None
    assert job(db, call_id).status == jobs.ERROR and "worker lost" in job(db, call_id).error


def test_concurrent_workers_never_share_a_job(db, calls, db_url):
    """Two transactions at once (PostgreSQL: SKIP LOCKED; SQLite: serialised writers)."""
    got, errors = [], []
    barrier = threading.Barrier(3)

    def worker(name):
        barrier.wait()
        try:
            while (c := jobs.claim(db, name, 60, 3)) is not None:
                got.append(c.call_id)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(got) == sorted(calls)  # each job exactly once
