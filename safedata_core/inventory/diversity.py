"""Attribute-disclosure risk of a sensitive column within QI classes: l-diversity and t-closeness.

* distinct l-diversity: the number of distinct sensitive values in each
  equivalence class (missing counts as a value, as for the QIs); a class with
  ``l = 1`` discloses its sensitive value to anyone who can place a person in it.
* t-closeness (Li, Li & Venkatasubramanian 2007): the Earth Mover's Distance
  between a class's sensitive distribution and the whole table's. Categorical
  columns use the equal ground distance (total variation); numeric columns use
  the ordered distance over ranked values (at most ``max_bins`` quantile bins).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.keys import column_codes, group_ids

__all__ = ["distinct_l", "l_diversity", "sensitive_codes", "t_closeness"]

_CELL_BUDGET = 4_000_000


def distinct_l(
    df: pd.DataFrame, qis: Sequence[str], sensitive: str, *, class_ids: tuple[np.ndarray, int] | None = None
) -> np.ndarray:
    """Per-record number of distinct values of ``sensitive`` in its QI class (``class_ids``: ``group_ids(df, qis)``)."""
    ids, n_groups = group_ids(df, list(qis)) if class_ids is None else class_ids
    codes, m = column_codes(df[sensitive])
    radix = max(m, 1)
    pairs = pd.unique(ids * radix + codes)
    per_class = np.bincount(pairs // radix, minlength=n_groups)
    return np.asarray(per_class[ids])


def l_diversity(
    df: pd.DataFrame, qis: Sequence[str], sensitive: str, *, class_ids: tuple[np.ndarray, int] | None = None
) -> dict[str, Any]:
    """Distinct l-diversity of the table on ``qis`` for ``sensitive`` and the records in low-l classes."""
    per_record = distinct_l(df, qis, sensitive, class_ids=class_ids)
    return {
        "l": int(per_record.min()) if len(per_record) else 0,
        "records_with_l_below": {str(lv): int((per_record < lv).sum()) for lv in (2, 3, 5)},
        "mean_l": float(per_record.mean()) if len(per_record) else 0.0,
    }


def codes_from_bins(values: np.ndarray, bins: np.ndarray, *, distinct: bool, missing: bool) -> tuple[np.ndarray, int]:
    """Ordered codes of numeric ``values``: ``bins`` are the distinct values (``distinct``) or the bin edges.

    ``missing``: whether the column has missing values anywhere (they get the last code).
    """
    if distinct:  # one code per distinct value, in order
        codes, m = np.searchsorted(bins, values), int(bins.size)
    else:  # quantile bins (ties at heavy values merge bins)
        inner = bins[1:-1]
        codes, m = np.searchsorted(inner, values, side="right"), int(inner.size) + 1
    codes = np.clip(codes, 0, m - 1).astype(np.int64)
    if missing:  # missing sorts after every value
        codes[np.isnan(values)] = m
        m += 1
    return codes, m


def sensitive_codes(series: pd.Series, *, max_bins: int = 20) -> tuple[np.ndarray, int, bool]:
    """Codes of a sensitive column for t-closeness: (codes, number of codes, ordered?)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        if finite.size == 0:
            return np.zeros(len(series), dtype=np.int64), 1, False
        uniq = np.unique(finite)
        if uniq.size <= max_bins:
            codes, m = codes_from_bins(values, uniq, distinct=True, missing=finite.size < values.size)
        else:
            edges = np.unique(np.quantile(finite, np.linspace(0, 1, max_bins + 1)))
            codes, m = codes_from_bins(values, edges, distinct=False, missing=finite.size < values.size)
        return codes, m, True
    codes, m = column_codes(series)
    return codes, max(m, 1), False


def class_emd(class_ids: tuple[np.ndarray, int], codes: np.ndarray, m: int, q: np.ndarray, ordered: bool) -> np.ndarray:
    """EMD per class between its distribution of ``codes`` (``m`` of them, ``m >= 2``) and ``q``."""
    ids, n_groups = class_ids
    counts_per_class = np.bincount(ids, minlength=n_groups)
    emd = np.zeros(n_groups)
    # singleton classes (usually the bulk) in closed form: a point mass at value v
    single = counts_per_class[ids] == 1
    v = codes[single]
    if ordered:
        cq = np.cumsum(q)[:-1]  # Q(i) for i = 0..m-2
        before = np.concatenate([[0.0], np.cumsum(cq)])  # sum_{i<v} Q(i)
        after = np.concatenate([np.cumsum((1 - cq)[::-1])[::-1], [0.0]])  # sum_{v<=i<=m-2} (1 - Q(i))
        emd[ids[single]] = (before[v] + after[v]) / (m - 1)
    else:
        emd[ids[single]] = 1.0 - q[v]
    # larger classes: dense class x value counts, in chunks that keep the matrix small
    multi = np.flatnonzero(counts_per_class > 1)
    if multi.size:
        local_id = np.full(n_groups, -1, dtype=np.int64)
        local_id[multi] = np.arange(multi.size)
        rows = ~single
        lid, lcodes = local_id[ids[rows]], codes[rows]
        order = np.argsort(lid, kind="stable")
        lid, lcodes = lid[order], lcodes[order]
        bounds = np.searchsorted(lid, np.arange(multi.size + 1))
        sizes = np.diff(bounds)
        step = max(1, _CELL_BUDGET // m)
        for start in range(0, multi.size, step):
            stop = min(multi.size, start + step)
            lo, hi = bounds[start], bounds[stop]
            flat = (lid[lo:hi] - start) * m + lcodes[lo:hi]
            counts = np.bincount(flat, minlength=(stop - start) * m).reshape(stop - start, m)
            p = counts / sizes[start:stop, None]
            if ordered:
                d = np.abs(np.cumsum(p - q, axis=1)[:, :-1]).sum(axis=1) / (m - 1)
            else:
                d = 0.5 * np.abs(p - q).sum(axis=1)
            emd[multi[start:stop]] = d
    return emd


def t_closeness(
    df: pd.DataFrame,
    qis: Sequence[str],
    sensitive: str,
    *,
    max_bins: int = 20,
    class_ids: tuple[np.ndarray, int] | None = None,
) -> dict[str, Any]:
    """Largest and mean EMD between class and table distributions of ``sensitive`` (``class_ids``: ``group_ids``)."""
    n = len(df)
    class_ids = group_ids(df, list(qis)) if class_ids is None else class_ids
    codes, m, ordered = sensitive_codes(df[sensitive], max_bins=max_bins)
    if n == 0 or m < 2:
        return {"t": 0.0, "mean_t": 0.0, "ordered": ordered, "bins": m}
    q = np.bincount(codes, minlength=m) / n
    emd = class_emd(class_ids, codes, m, q, ordered)
    per_record = emd[class_ids[0]]
    return {"t": float(emd.max()), "mean_t": float(per_record.mean()), "ordered": ordered, "bins": m}
