"""The capacity search: the highest call rate a target sustains with 0 failed calls.

Pure logic, no I/O: ask `next_rate()`, run a trial at that rate, tell the
result with `record(rate, ok)`, until `next_rate()` is None. The rate grows
geometrically until a trial fails (or shrinks until one passes, if the very
first fails), then the gap between the best pass and the lowest failure is
bisected a few times.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RATE_DIGITS = 2  # rates are rounded to 0.01 calls per second


@dataclass
class RateSearch:
    start: float
    growth: float = 1.5
    bisect_steps: int = 3
    min_rate: float = 0.1
    max_rate: float = 100.0
    best: float | None = None  # highest rate that passed, below any failure
    lowest_failure: float | None = None
    trials: list[tuple[float, bool]] = field(default_factory=list)
    _bisections: int = 0

    def __post_init__(self) -> None:
        if self.growth <= 1:
            raise ValueError("growth must be > 1")
        if not self.min_rate <= self.start <= self.max_rate:
            raise ValueError(f"start {self.start} outside {self.min_rate}..{self.max_rate}")

    def next_rate(self) -> float | None:
        if not self.trials:
            return round(self.start, RATE_DIGITS)
        if self.best is None:  # nothing passed yet: go down
            rate = round(self.lowest_failure / self.growth, RATE_DIGITS)
            return rate if rate >= self.min_rate else None
        if self.lowest_failure is None:  # nothing failed yet: go up
            if self.best >= self.max_rate:
                return None
            return round(min(self.best * self.growth, self.max_rate), RATE_DIGITS)
        if self._bisections >= self.bisect_steps:
            return None
        mid = round((self.best + self.lowest_failure) / 2, RATE_DIGITS)
        return mid if self.best < mid < self.lowest_failure else None

    def record(self, rate: float, ok: bool) -> None:
        if self.best is not None and self.lowest_failure is not None:
            self._bisections += 1
        self.trials.append((rate, ok))
        # Conservative under noise: the best is the highest pass *below* the lowest failure.
        failures = [r for r, passed in self.trials if not passed]
        self.lowest_failure = min(failures) if failures else None
        passes = [r for r, passed in self.trials
                  if passed and (self.lowest_failure is None or r < self.lowest_failure)]
        self.best = max(passes) if passes else None
