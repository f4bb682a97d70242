"""Equivalence-class keys: one integer id per record for its combination of quasi-identifier values.

Each column is factorised once (missing values get a code of their own), and
the codes are combined in mixed radix, re-factorising whenever the radix
product would overflow int64. This is several times faster than a multi-column
pandas group-by and is the basis of every risk figure in this package.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["column_codes", "group_ids"]

_LIMIT = (2**63 - 1) // 4  # np.iinfo(np.int64).max // 4


def column_codes(series: pd.Series, *, na_code: bool = True) -> tuple[np.ndarray, int]:
    """Integer codes of ``series`` and their number. Missing values get their own code or ``-1``.

    A column that already holds small non-negative integer codes (int dtype, max below its length)
    is used as is: its "number of codes" is then ``max + 1``, an upper bound.
    """
    if pd.api.types.is_integer_dtype(series.dtype) and len(series) and series.dtype != object:
        values = series.to_numpy(dtype=np.int64)
        lo, hi = int(values.min()), int(values.max())
        if lo >= 0 and hi < len(values):
            return values, hi + 1
    codes, uniques = pd.factorize(series, use_na_sentinel=not na_code, sort=False)
    return codes.astype(np.int64), len(uniques)


def group_ids(df: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, int]:
    """Dense class id in ``[0, n_groups)`` per record for the value combination on ``columns``.

    Missing values are a value of their own (a missing QI is still matchable).
    """
    n = len(df)
    if not columns:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for name in columns:
        codes, card = column_codes(df[name])
        card = max(card, 1)
        if radix * card >= _LIMIT:
            key, uniq = pd.factorize(key, sort=False)
            key = key.astype(np.int64)
            radix = max(len(uniq), 1)
        key = key * card + codes
        radix *= card
    ids, uniq = pd.factorize(key, sort=False)
    return ids.astype(np.int64), len(uniq)
