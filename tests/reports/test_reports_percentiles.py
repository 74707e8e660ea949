"""Percentiles from 100 ms histograms: percentile_cont's definition, exact for sparse data,
within one bucket otherwise; checked against PostgreSQL's own percentile_cont."""
from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import func, select

from reports_helpers import get_report, utc
from telephony.db.models import Call
from telephony.reports.percentiles import BUCKET_MS, Bucket, buckets_from_histogram, percentile_cont


def exact_percentile_cont(values: list[float], p: float) -> float:
    xs = sorted(values)
    r = p * (len(xs) - 1)
    i = math.floor(r)
    return xs[i] if i + 1 >= len(xs) else xs[i] + (r - i) * (xs[i + 1] - xs[i])


def histogram(values: list[int]) -> tuple[list[Bucket], int]:
    cells: dict[int, list[int]] = {}
    for v in values:
        cells.setdefault(v // BUCKET_MS, []).append(v)
    return buckets_from_histogram((b, len(vs), min(vs), max(vs)) for b, vs in cells.items()), len(values)


def ours(values: list[int], p: float) -> float:
    buckets, n = histogram(values)
    return percentile_cont(buckets, n, p)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 0.95, 1.0])
def test_exact_when_buckets_hold_at_most_two_values(p):
    values = [0, 99, 150, 1500, 1501, 3000, 4500, 6000, 7500, 9000, 10500, 12000, 14999]
    assert ours(values, p) == pytest.approx(exact_percentile_cont(values, p), abs=1e-9)


def test_exact_for_evenly_spaced_values_in_a_bucket():
    values = [5000, 5010, 5020, 5030, 5040, 5050, 5060, 5070, 5080, 5090]
    assert ours(values, 0.9) == pytest.approx(exact_percentile_cont(values, 0.9), abs=1e-9)  # 5081


def test_within_one_bucket_otherwise():
    rng = random.Random(7)
    for _ in range(200):
        values = [int(rng.lognormvariate(8.4, 0.6)) for _ in range(rng.randint(1, 400))]
        for p in (0.5, 0.9):
            got, want = ours(values, p), exact_percentile_cont(values, p)
            assert abs(got - want) < BUCKET_MS, (p, got, want)


def test_uneven_bucket_stays_within_its_bounds():
    values = [5000, 5001, 5002, 5099]  # r = 2.7 -> exactly 5002 + 0.7 * 97 = 5069.9
    got = ours(values, 0.9)
    assert 5002 <= got <= 5099 and abs(got - 5069.9) < BUCKET_MS


def test_edges():
    assert percentile_cont([], 0, 0.9) is None
    assert ours([42], 0.9) == 42
    assert ours([7, 7, 7], 0.9) == 7
    with pytest.raises(ValueError):
        ours([1, 2], 1.5)


def test_against_the_database(db, seed, api):
    """Random ring and wait times for three agents: the report's p90 against an exact p90
    (and on PostgreSQL against percentile_cont(0.9) itself), within one bucket."""
    rng = random.Random(2026)
    calls = [(rng.choice(["1001", "1002", "1003"]), int(rng.lognormvariate(8.4, 0.55)),
              int(rng.lognormvariate(8.8, 0.7))) for _ in range(600)]

    def write(s):
        for i, (agent, ring, wait) in enumerate(calls):
            s.call(utc(2026, 11, 23, i % 24, i % 60), ring_ms=ring, queue_wait_ms=wait, agent=agent)
    seed(write)
    rows = {r["agent"]: r for r in get_report(api, "answer-time", group_by="agent")["rows"]}
    for agent in ("1001", "1002", "1003"):
        rings = [r for a, r, _ in calls if a == agent]
        waits = [w for a, _, w in calls if a == agent]
        assert abs(rows[agent]["ring_ms_p90"] - exact_percentile_cont(rings, 0.9)) < BUCKET_MS
        assert abs(rows[agent]["queue_wait_ms_p90"] - exact_percentile_cont(waits, 0.9)) < BUCKET_MS
        assert rows[agent]["ring_ms_avg"] == pytest.approx(sum(rings) / len(rings), abs=1e-9)
        if db.engine.dialect.name == "postgresql":
            with db.session() as s:
                pg_ring, pg_wait = s.execute(
                    select(func.percentile_cont(0.9).within_group(Call.ring_ms),
                           func.percentile_cont(0.9).within_group(Call.queue_wait_ms))
                    .where(Call.agent == agent)).one()
            assert pg_ring == pytest.approx(exact_percentile_cont(rings, 0.9), abs=1e-6)
            assert abs(rows[agent]["ring_ms_p90"] - pg_ring) < BUCKET_MS
            assert abs(rows[agent]["queue_wait_ms_p90"] - pg_wait) < BUCKET_MS
