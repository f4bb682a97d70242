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

__all__ = ["shared_codes"]


def shared_codes(real: pd.Series, other: pd.Series, *, numeric: bool, bins: int = 10) -> tuple[np.ndarray, ...]:
    """``(real_codes, other_codes, n_codes)`` on a common, small integer alphabet."""
    if numeric:
        a, b = as_numbers(real), as_numbers(other)
        present = a[~np.isnan(a)]
        edges = np.histogram_bin_edges(present, bins=bins) if present.size else np.array([0.0, 1.0])
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
