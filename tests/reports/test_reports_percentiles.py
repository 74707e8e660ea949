"""Exact percentiles (PostgreSQL's percentile_cont) per group in numpy, checked against
the definition and against PostgreSQL's own percentile_cont."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from sqlalchemy import func, select

from reports_helpers import get_report, utc
from telephony.db.models import Call
from telephony.reports.percentiles import percentile_cont


def exact_percentile_cont(values: list[float], p: float) -> float:
    xs = sorted(values)
    r = p * (len(xs) - 1)
    i = math.floor(r)
    return xs[i] if i + 1 >= len(xs) else xs[i] + (r - i) * (xs[i + 1] - xs[i])


def ours(values: list[int], p: float) -> float:
    return float(percentile_cont(np.array(values, np.int32), None, 1, p)[0])


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 0.95, 1.0])
def test_exact(p):
    values = [0, 99, 150, 1500, 1501, 3000, 4500, 6000, 7500, 9000, 10500, 12000, 14999]
    assert ours(values, p) == exact_percentile_cont(values, p)


def test_exact_where_histogram_buckets_were_not():
    values = [5000, 5001, 5002, 5099]  # r = 2.7 -> 5002 + 0.7 * 97
    assert ours(values, 0.9) == 5002 + 0.7 * 97


def test_groups_with_coarse_cells_are_exact():
    """Many groups and wide values: the histogram's cells are 2^k ms wide, the answer exact."""
    rng = random.Random(7)
    n_groups = 300
    values = [int(rng.lognormvariate(8.4, 1.2)) + rng.choice([0, 5_000_000]) for _ in range(30_000)]
    groups = [rng.randrange(n_groups - 1) for _ in values]  # the last group stays empty
    got = percentile_cont(np.array(values, np.int32), np.array(groups), n_groups, 0.9)
    for g in range(n_groups - 1):
        mine = [v for v, h in zip(values, groups, strict=True) if h == g]
        assert got[g] == exact_percentile_cont(mine, 0.9), g
    assert math.isnan(got[-1])


def test_random_small_groups():
    rng = random.Random(11)
    for _ in range(200):
        values = [rng.randint(-50, 400) for _ in range(rng.randint(1, 60))]
        for p in (0.5, 0.9):
            assert ours(values, p) == exact_percentile_cont(values, p), (p, values)


def test_edges():
    assert math.isnan(percentile_cont(np.array([], np.int32), None, 1, 0.9)[0])
    assert ours([42], 0.9) == 42
    assert ours([7, 7, 7], 0.9) == 7
    with pytest.raises(ValueError):
        ours([1, 2], 1.5)


def test_against_the_database(db, seed, api):
    """Random ring and wait times for three agents: the report's p90 is the exact p90, and on
    PostgreSQL the very same number as percentile_cont(0.9)."""
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
        assert rows[agent]["ring_ms_p90"] == exact_percentile_cont(rings, 0.9)
        assert rows[agent]["queue_wait_ms_p90"] == exact_percentile_cont(waits, 0.9)
        assert rows[agent]["ring_ms_avg"] == pytest.approx(sum(rings) / len(rings), abs=1e-9)
        if db.engine.dialect.name == "postgresql":
            with db.session() as s:
                pg_ring, pg_wait = s.execute(
                    select(func.percentile_cont(0.9).within_group(Call.ring_ms),
                           func.percentile_cont(0.9).within_group(Call.queue_wait_ms))
                    .where(Call.agent == agent)).one()
            assert rows[agent]["ring_ms_p90"] == pg_ring
            assert rows[agent]["queue_wait_ms_p90"] == pg_wait
