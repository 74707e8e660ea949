"""Percentiles and the capacity search: arithmetic only, with made-up trials."""
from __future__ import annotations

import pytest

from bench.search import RateSearch
from bench.stats import difference, percentile, summary


def run(search: RateSearch, sustains) -> list[tuple[float, bool]]:
    while (rate := search.next_rate()) is not None:
        search.record(rate, sustains(rate))
    return search.trials


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # unsorted input
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_p99_of_fewer_than_100_values_is_the_largest():
    assert percentile([1, 2, 3, 40], 99) == 40


def test_summary_and_difference():
    s = summary([1.04, 2.0, 3.0, 10.0])
    assert s == {"n": 4, "p50": 2.0, "p99": 10.0, "mean": 4.0, "max": 10.0}
    assert summary([]) == {"n": 0, "p50": None, "p99": None, "mean": None, "max": None}
    assert difference(5.25, 2.0) == 3.2  # rounded to 0.1
    assert difference(None, 2.0) is None


def test_search_grows_until_a_failure_then_bisects():
    trials = run(RateSearch(1.0, growth=2.0, bisect_steps=2), lambda r: r <= 5.0)
    assert trials == [(1.0, True), (2.0, True), (4.0, True), (8.0, False), (6.0, False), (5.0, True)]


def test_search_result_is_the_best_pass():
    search = RateSearch(1.0, growth=1.5, bisect_steps=3)
    run(search, lambda r: r <= 4.2)
    assert search.best == 4.01 and search.lowest_failure == 4.22


def test_search_goes_down_when_the_first_trial_fails():
    search = RateSearch(8.0, growth=2.0, bisect_steps=1)
    assert run(search, lambda r: r <= 3.0) == [(8.0, False), (4.0, False), (2.0, True), (3.0, True)]
    assert search.best == 3.0


def test_search_stops_at_the_maximum_and_at_the_minimum():
    up = RateSearch(4.0, growth=2.0, max_rate=10.0)
    assert run(up, lambda r: True) == [(4.0, True), (8.0, True), (10.0, True)]
    assert up.best == 10.0
    down = RateSearch(1.0, growth=2.0, min_rate=0.3)
    assert run(down, lambda r: False) == [(1.0, False), (0.5, False)]
    assert down.best is None


def test_a_failure_below_an_earlier_pass_lowers_the_result():
    search = RateSearch(2.0, growth=2.0, bisect_steps=1)
    search.record(2.0, True)
    search.record(4.0, True)
    search.record(8.0, False)
    search.record(6.0, False)  # the bisection fails...
    search.record(3.0, False)  # ...and so, by bad luck, does a rate below an earlier pass
    assert search.best == 2.0 and search.lowest_failure == 3.0


def test_search_rejects_nonsense():
    with pytest.raises(ValueError):
        RateSearch(1.0, growth=1.0)
    with pytest.raises(ValueError):
        RateSearch(200.0, max_rate=100.0)
