"""Disclosure risk on quasi-identifiers: equivalence classes, k-anonymity, rare combinations.

All computations are vectorised (integer class ids from :mod:`.keys` plus
``np.bincount``). Missing values form their own category here (a missing QI
value is still a value an intruder can match on); the sdcMicro-style
frequencies in :mod:`.freq` instead treat a missing key as a wildcard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.keys import group_ids

K_LEVELS: tuple[int, ...] = (2, 3, 5, 10)
SIZE_BUCKETS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (2, 2),
    (3, 4),
    (5, 9),
    (10, 19),
    (20, 49),
    (50, 99),
    (100, 2**62),
)

__all__ = [
    "K_LEVELS",
    "class_size_distribution",
    "class_sizes",
    "k_anonymity_summary",
    "rare_combinations",
    "rare_mask",
    "uniqueness_contribution",
]


def class_sizes(df: pd.DataFrame, qis: Sequence[str]) -> np.ndarray:
    """Per-record size of its equivalence class on ``qis`` (same order as ``df``)."""
    if not qis:
        return np.full(len(df), len(df), dtype=np.int64)
    ids, n_groups = group_ids(df, list(qis))
    counts = np.bincount(ids, minlength=n_groups)
    return np.asarray(counts[ids].astype(np.int64))


def k_anonymity_summary(df: pd.DataFrame, qis: Sequence[str]) -> dict[str, Any]:
    """k-anonymity, records below k for k in 2, 3, 5, 10, sample uniques and class counts."""
    n = len(df)
    ids, n_groups = group_ids(df, list(qis))
    counts = np.bincount(ids, minlength=n_groups) if n else np.zeros(0, dtype=np.int64)
    sizes = counts[ids] if n else np.zeros(0, dtype=np.int64)
    below = {str(k): int((sizes < k).sum()) for k in K_LEVELS}
    return {
        "quasi_identifiers": list(qis),
        "k_anonymity": int(sizes.min()) if n else 0,
        "records_below_k": below,
        "share_below_k": {k: (v / n if n else 0.0) for k, v in below.items()},
        "sample_uniques": int((sizes == 1).sum()),
        "equivalence_classes": int(n_groups) if n else 0,
        "classes_below_k": {str(k): int((counts < k).sum()) for k in K_LEVELS},
        "mean_class_size": float(n / n_groups) if n and n_groups else 0.0,
    }


def rare_mask(df: pd.DataFrame, qis: Sequence[str], k: int) -> np.ndarray:
    """Boolean mask of records in equivalence classes smaller than ``k``."""
    return class_sizes(df, qis) < k


def class_size_distribution(sizes: np.ndarray) -> list[dict[str, Any]]:
    """Records and classes per class-size bucket (1, 2, 3-4, 5-9, ... 100+), from per-record sizes."""
    out = []
    for lo, hi in SIZE_BUCKETS:
        in_bucket = (sizes >= lo) & (sizes <= hi)
        records = int(in_bucket.sum())
        label = str(lo) if lo == hi else (f"{lo}+" if hi >= 2**62 else f"{lo}-{hi}")
        # a class of size s contributes s records, so classes = sum(1/s)
        classes = round(float((1.0 / sizes[in_bucket]).sum())) if records else 0
        out.append({"size": label, "records": records, "classes": classes})
    return out


def rare_combinations(
    df: pd.DataFrame, qis: Sequence[str], k: int, *, limit: int = 50, class_ids: tuple[np.ndarray, int] | None = None
) -> dict[str, Any]:
    """The QI value combinations held by fewer than ``k`` records, smallest first (at most ``limit``).

    ``class_ids``: ``group_ids(df, qis)`` when the caller has them (from any coding of the same QIs).
    """
    qis = list(qis)
    if not qis or len(df) == 0:
        return {"k": k, "count": 0, "records": 0, "combinations": [], "truncated": False}
    ids, n_groups = group_ids(df, qis) if class_ids is None else class_ids
    counts = np.bincount(ids, minlength=n_groups)
    rare_ids = np.flatnonzero(counts < k)
    order = rare_ids[np.argsort(counts[rare_ids], kind="stable")]
    shown = order[:limit]
    first_row = np.full(n_groups, -1, dtype=np.int64)
    first_row[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)  # first occurrence of every class
    rows = df.iloc[first_row[shown]][qis]
    combos = []
    for gid, (_, values) in zip(shown, rows.iterrows(), strict=True):  # bounded by ``limit``
        combos.append({"values": {c: _plain(values[c]) for c in qis}, "count": int(counts[gid])})
    return {
        "k": k,
        "count": len(rare_ids),
        "records": int(counts[rare_ids].sum()),
        "combinations": combos,
        "truncated": bool(len(rare_ids) > limit),
    }


def uniqueness_contribution(df: pd.DataFrame, qis: Sequence[str], *, sizes: np.ndarray | None = None) -> dict[str, int]:
    """For each QI, how many sample uniques disappear when that QI is left out (leave-one-out).

    ``sizes``: ``class_sizes(df, qis)`` when the caller has them.
    """
    qis = list(qis)
    base = int(((class_sizes(df, qis) if sizes is None else sizes) == 1).sum())
    return {q: base - int((class_sizes(df, [c for c in qis if c != q]) == 1).sum()) for q in qis}


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)
