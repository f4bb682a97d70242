"""Targeted record swapping: exchange the values of some variables between paired records of one stratum.

Selected records (the risky ones) are paired at random with partner records of
the same stratum (same values of the ``by`` columns) and the two records
exchange their values of the swap variables, as a block. Because every change
is an exchange, the released column of each swapped variable is a permutation
of the original: marginals (and the joint distribution of the swapped
variables) are kept exactly.

Partners come from ``pool`` (records that may be changed). When the selected
records are also the pool, they are paired among themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["swap_pairs"]


def _positions(strata: np.ndarray, members: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Members in random order with their rank inside their stratum."""
    idx = np.flatnonzero(members)
    order = idx[rng.permutation(len(idx))]
    frame = pd.DataFrame({"row": order, "stratum": strata[order]})
    frame["pos"] = frame.groupby("stratum", sort=False).cumcount()
    return frame


def swap_pairs(
    df: pd.DataFrame,
    selected: np.ndarray,
    pool: np.ndarray,
    by: Sequence[str],
    rng: np.random.Generator,
) -> np.ndarray:
    """Pairs ``(a, b)`` of row positions to exchange (array of shape (m, 2)); each row appears at most once."""
    n = len(df)
    strata = df.groupby(list(by), dropna=False, sort=False).ngroup().to_numpy() if by else np.zeros(n, dtype=np.int64)
    selected = np.asarray(selected, dtype=bool)
    pool = np.asarray(pool, dtype=bool)
    if np.array_equal(selected, pool):
        frame = _positions(strata, selected, rng)
        frame["pair"] = frame["pos"] // 2
        frame["side"] = frame["pos"] % 2
        left = frame[frame["side"] == 0][["stratum", "pair", "row"]]
        right = frame[frame["side"] == 1][["stratum", "pair", "row"]]
        pairs = left.merge(right, on=["stratum", "pair"], suffixes=("_a", "_b"))
    else:
        a = _positions(strata, selected, rng)
        b = _positions(strata, pool & ~selected, rng)
        pairs = a.merge(b, on=["stratum", "pos"], suffixes=("_a", "_b"))
    return np.asarray(pairs[["row_a", "row_b"]].to_numpy(dtype=np.int64).reshape(-1, 2))
