"""Shared discretisation of a column in two tables, as SDMetrics' contingency metrics do it.

Numbers and datetimes are cut at ``np.histogram_bin_edges`` of the first
table's present values (10 bins, outer edges opened to infinity) and both tables
are ``np.digitize``-d on those edges (missing values land past the last edge, as
their own bin). Categories and
booleans get shared integer codes, missing being one more code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.evaluation.columns import as_numbers

__all__ = ["bin_edges", "shared_codes"]


def bin_edges(present: np.ndarray, bins: int) -> np.ndarray:
    """``bins`` equal-width edges over ``present`` (finite values), like ``np.histogram_bin_edges``.

    Never fails: a constant column, or one whose values are so large that the
    bins cannot be told apart in float64, gets fewer (possibly one) bins, and a
    range wider than float64 can subtract (-1e308 .. 1e308) is cut without
    overflowing.
    """
    if not present.size:
        return np.array([0.0, 1.0])
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            edges = np.histogram_bin_edges(present, bins=bins)
        if np.all(np.isfinite(edges)) and np.all(edges[1:] > edges[:-1]):
            return edges
    except ValueError:  # "Too many bins for data range": the bins cannot be told apart in float64
        pass
    lo, hi = float(present.min()), float(present.max())
    t = np.linspace(0.0, 1.0, max(int(bins), 1) + 1)
    edges = np.unique(lo * (1.0 - t) + hi * t)  # a convex combination never overflows
    return edges if edges.size >= 2 else np.array([lo, np.nextafter(lo, np.inf)])


def shared_codes(real: pd.Series, other: pd.Series, *, numeric: bool, bins: int = 10) -> tuple[np.ndarray, ...]:
    """``(real_codes, other_codes, n_codes)`` on a common, small integer alphabet."""
    if numeric:
        a, b = as_numbers(real), as_numbers(other)
        edges = bin_edges(a[~np.isnan(a)], bins)
        edges[0], edges[-1] = -np.inf, np.inf  # out-of-range released values join the outer bins
        # NaN compares as larger than every edge, so it gets the last code (len(edges))
        return np.digitize(a, edges), np.digitize(b, edges), np.asarray(len(edges) + 1)
    joined = pd.concat(
        [real.reset_index(drop=True).astype(object), other.reset_index(drop=True).astype(object)], ignore_index=True
    )
    miss = joined.isna().to_numpy()
    labels = joined.astype(str).to_numpy(dtype=object)
    labels[miss] = None
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes[: len(real)], codes[len(real) :], np.asarray(len(uniques) + 1)
