"""Discretisation shared by the DP synthesizers: public fine cells, grouping by mass, the missing cell.

A DP synthesizer that models a numeric column through counts needs cells
that do not depend on the data, or the cell edges themselves leak. So:

* :func:`fine_cells` cuts a column's PUBLIC bounds into ordered cells: one
  per value for a small integer range, otherwise each bound as a
  single-value cell (so spikes such as ``capital_gain == 0`` or a top code
  keep a cell of their own) and equal ranges in between; float columns get
  equal-width intervals. :func:`cell_index` maps values to those cells.
* :func:`group_by_mass` merges consecutive cells into about ``n`` groups of
  equal (noisy) mass, a heavy cell staying alone. Run on released noisy
  counts it is post-processing.
* :func:`keeps_missing` decides from a released noisy count whether a
  nullable column keeps a 'missing' cell at all (post-processing): a column
  without missing values should not get one from noise alone.
* :func:`empirical_cells` is the non-private counterpart (cells from the
  observed values); never use it under DP.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MISSING_NOISE_SCALES", "cell_index", "empirical_cells", "fine_cells", "group_by_mass", "keeps_missing"]

#: a missing cell is kept when its noisy count is above this many noise scales
#: (a column without missing values keeps one with probability about exp(-5)/2 = 0.3%)
MISSING_NOISE_SCALES = 5.0


def fine_cells(bounds: tuple[float, float], integer: bool, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Data-independent cells over public ``bounds``: (low ends, high ends), ordered, ``<= n_cells`` of them."""
    lo, hi = float(bounds[0]), float(bounds[1])
    n_cells = max(int(n_cells), 3)
    if integer:
        lo, hi = float(math.ceil(lo)), float(max(math.floor(hi), math.ceil(lo)))
        if hi - lo + 1 <= n_cells:
            v = np.arange(lo, hi + 1)
            return v, v.copy()
        k = n_cells - 2  # interior values lo+1 .. hi-1 in k equal integer ranges
        starts = np.unique(lo + 1 + np.floor(np.arange(k) * (hi - lo - 1) / k))
        return np.r_[lo, starts, hi], np.r_[lo, starts[1:] - 1, hi - 1, hi]
    edges = np.linspace(lo, hi, n_cells + 1)
    return edges[:-1], edges[1:]


def cell_index(values: np.ndarray, cell_hi: np.ndarray) -> np.ndarray:
    """Cell of every value (out-of-bounds values go to the end cells); ``len(cell_hi)`` for NaN."""
    x = np.asarray(values, dtype=float)
    idx = np.clip(np.searchsorted(cell_hi, x, side="left"), 0, len(cell_hi) - 1)
    return np.where(np.isnan(x), len(cell_hi), idx).astype(np.int64)


def group_by_mass(weights: np.ndarray, n_groups: int) -> np.ndarray:
    """Non-decreasing group id per cell: consecutive cells in about ``n_groups`` equal-mass groups.

    A cell at least one group's share heavy is a group of its own. Negative
    weights (noise) count as 0.
    """
    w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    total = float(w.sum())
    if len(w) <= n_groups or total <= 0:
        return np.arange(len(w))
    target = total / n_groups
    heavy = w >= target
    slot = np.floor((np.cumsum(w) - w) / target)
    start = np.r_[True, (slot[1:] != slot[:-1]) | heavy[1:] | heavy[:-1]]
    return np.cumsum(start) - 1


def keeps_missing(noisy_count: float, scale: float) -> bool:
    """Post-processing: keep a 'missing' cell when its noisy count exceeds :data:`MISSING_NOISE_SCALES` scales."""
    return bool(noisy_count > MISSING_NOISE_SCALES * scale)


def empirical_cells(x: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NON-PRIVATE cells from observed values: (low ends, high ends, counts); heavy values stay alone."""
    if x.size == 0:
        return np.zeros(1), np.zeros(1), np.zeros(1)
    values, counts = np.unique(x, return_counts=True)
    group = group_by_mass(counts.astype(float), n_cells)
    k = int(group[-1]) + 1
    lo = np.full(k, np.inf)
    np.minimum.at(lo, group, values)
    hi = np.full(k, -np.inf)
    np.maximum.at(hi, group, values)
    return lo, hi, np.bincount(group, weights=counts.astype(float), minlength=k)
