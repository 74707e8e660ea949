"""Exact percentiles per group: PostgreSQL's percentile_cont, over integer values in numpy.

percentile_cont(p) of n values sorted ascending: the (0-based) rank r = p·(n−1) lies
between the order statistics x[i] and x[i+1], i = floor(r), and the result is
x[i] + (r − i)·(x[i+1] − x[i]), in doubles as PostgreSQL computes it (numpy's own
method="linear" interpolates from the other end past the middle, which can differ in the
last bit).

The order statistics of every group at once, without sorting a year of values: a
histogram of (group, value >> shift) with at most BINS cells gives, from its cumulative
counts, the cell holding rank i and the one holding rank i+1 of each group; only the
values in those cells (a few per mille of them) are then sorted.
"""
from __future__ import annotations

import numpy as np

BINS = 1 << 20  # cells of the histogram at most (8 MB of counts)


def percentile_cont(values: np.ndarray, groups: np.ndarray | None, n_groups: int, p: float) -> np.ndarray:
    """percentile_cont(p) of the integer values of each group 0 .. n_groups−1 (groups None:
    all values are group 0); NaN for a group without values."""
    return percentile_and_count(values, groups, n_groups, p)[0]


def percentile_and_count(values: np.ndarray, groups: np.ndarray | None, n_groups: int,
                         p: float) -> tuple[np.ndarray, np.ndarray]:
    """(percentile_cont(p), how many values) of each group: the count comes with the histogram."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"percentile {p} outside [0, 1]")
    out = np.full(n_groups, np.nan)
    if len(values) == 0:
        return out, np.zeros(n_groups, np.int64)
    lo, hi = int(values.min()), int(values.max())
    v = values.astype(np.int64)
    if lo:
        v -= lo
    span = hi - lo + 1
    cells = min(BINS, max(4096, 2 * len(v)))  # more cells than values would only cost time
    shift = 0
    while n_groups * ((span - 1 >> shift) + 1) > cells:
        shift += 1
    width = (span - 1 >> shift) + 1  # cells per group
    cell = v >> shift if shift else v
    if groups is None:
        key = cell
    else:
        key = groups * width if groups.dtype == np.int64 else groups.astype(np.int64) * width
        key += cell
    hist = np.bincount(key, minlength=n_groups * width).reshape(n_groups, width)
    cum = hist.cumsum(axis=1)
    n = cum[:, -1]
    r_all = p * np.maximum(n - 1, 0).astype(np.float64)
    i_all = np.floor(r_all).astype(np.int64)
    # the cells holding ranks i and i + 1 of each group: the first whose cum exceeds the rank
    ci_all = (cum <= i_all[:, None]).sum(axis=1)
    cj_all = (cum <= np.minimum(i_all + 1, np.maximum(n - 1, 0))[:, None]).sum(axis=1)
    g = np.flatnonzero(n)
    r, i, ci, cj = r_all[g], i_all[g], ci_all[g], cj_all[g]
    j = np.minimum(i + 1, n[g] - 1)
    wanted = np.zeros(n_groups * width, bool)
    wanted[g * width + ci] = True
    wanted[g * width + cj] = True
    picked = wanted[key]
    pk, pv = key[picked], v[picked]
    order = np.lexsort((pv, pk))
    pk, pv = pk[order], pv[order]

    def at(c: np.ndarray, rank: np.ndarray) -> np.ndarray:
        before = cum[g, c] - hist[g, c]  # values of the group in cells below c
        return pv[np.searchsorted(pk, g * width + c) + (rank - before)] + lo

    x_i, x_j = at(ci, i).astype(np.float64), at(cj, j).astype(np.float64)
    out[g] = x_i + (r - i) * (x_j - x_i)
    return out, n


def as_float(value: float) -> float | None:
    """A percentile as the report shows it: None for no values."""
    return None if value != value else float(value)  # NaN
