"""Pure numbers for the benches: percentiles and latency summaries."""
from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100): a value that was measured, never interpolated."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside 0..100")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float], digits: int = 1) -> dict:
    """n, p50, p99, mean and max, rounded; None for each when there are no values."""
    def r(v):
        return None if v is None else round(v, digits)

    return {
        "n": len(values),
        "p50": r(percentile(values, 50)),
        "p99": r(percentile(values, 99)),
        "mean": r(sum(values) / len(values)) if values else None,
        "max": r(max(values)) if values else None,
    }


def difference(a: float | None, b: float | None, digits: int = 1) -> float | None:
    return None if a is None or b is None else round(a - b, digits)
