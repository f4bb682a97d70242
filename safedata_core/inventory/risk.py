"""Disclosure risk on quasi-identifiers: equivalence classes, k-anonymity, rare combinations.

All computations are vectorised group-bys. Missing values form their own
category (a missing QI value is still a value an intruder can match on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

K_LEVELS: tuple[int, ...] = (2, 3, 5, 10)

__all__ = ["K_LEVELS", "class_sizes", "k_anonymity_summary", "rare_mask"]


def class_sizes(df: pd.DataFrame, qis: Sequence[str]) -> np.ndarray:
    """Per-record size of its equivalence class on ``qis`` (same order as ``df``)."""
    if not qis:
        return np.full(len(df), len(df), dtype=np.int64)
    keys = df[list(qis)]
    sizes = keys.groupby(list(qis), dropna=False, sort=False, observed=True)[qis[0]].transform("size")
    return sizes.to_numpy(dtype=np.int64)


def k_anonymity_summary(df: pd.DataFrame, qis: Sequence[str]) -> dict[str, Any]:
    """k-anonymity, records below k for k in 2, 3, 5, 10, sample uniques and class counts."""
    sizes = class_sizes(df, qis)
    n = len(df)
    below = {str(k): int((sizes < k).sum()) for k in K_LEVELS}
    return {
        "quasi_identifiers": list(qis),
        "k_anonymity": int(sizes.min()) if n else 0,
        "records_below_k": below,
        "share_below_k": {k: (v / n if n else 0.0) for k, v in below.items()},
        "sample_uniques": int((sizes == 1).sum()),
        "equivalence_classes": int(df[list(qis)].drop_duplicates().shape[0]) if qis else 1,
    }


def rare_mask(df: pd.DataFrame, qis: Sequence[str], k: int) -> np.ndarray:
    """Boolean mask of records in equivalence classes smaller than ``k``."""
    return class_sizes(df, qis) < k
