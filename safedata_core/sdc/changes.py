"""What an SDC method reports: records and cells changed, and the disclosure risk before and after.

Every SDC component builds its ``SDCResult.changes`` with :func:`base_changes`
and adds its own facts (suppression counts, information loss, parameters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.risk import k_anonymity_summary

__all__ = ["base_changes", "changed_cells", "risk_block"]


def changed_cells(before: pd.DataFrame, after: pd.DataFrame, columns: Sequence[str] | None = None) -> np.ndarray:
    """Boolean (n, c) array of cells whose value changed (missing == missing counts as unchanged)."""
    cols = list(columns) if columns is not None else list(before.columns)
    a = before[cols].astype(object).to_numpy()
    b = after[cols].astype(object).to_numpy()
    miss_a, miss_b = pd.isna(a), pd.isna(b)
    # compare present values only: pd.NA == x is NA, which numpy cannot turn into a boolean
    a = np.where(miss_a, None, a)
    b = np.where(miss_b, None, b)
    with np.errstate(invalid="ignore"):
        equal = np.asarray(a == b, dtype=bool)
    same = np.where(miss_a | miss_b, miss_a & miss_b, equal)
    return ~same


def risk_block(df: pd.DataFrame, qis: Sequence[str], k: int | None = None) -> dict[str, Any]:
    """k-anonymity summary on ``qis`` (plus records below the method's own ``k``)."""
    qis = [q for q in qis if q in df.columns]
    out = k_anonymity_summary(df, qis)
    if k is not None:
        from safedata_core.inventory.risk import rare_mask

        out["k"] = int(k)
        out["records_below_target_k"] = int(rare_mask(df, qis, k).sum()) if qis else 0
    return out


def base_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    method: str,
    qis: Sequence[str],
    k: int | None = None,
    targeted: np.ndarray | None = None,
) -> dict[str, Any]:
    """records_modified, cells_modified (total and per column), targeted count, risk before/after."""
    changed = changed_cells(before, after)
    per_col = dict(zip(before.columns, changed.sum(axis=0).astype(int).tolist(), strict=True))
    return {
        "method": method,
        "records": len(before),
        "records_modified": int(changed.any(axis=1).sum()),
        "cells_modified": int(changed.sum()),
        "cells_modified_by_column": {c: v for c, v in per_col.items() if v},
        "records_targeted": int(np.asarray(targeted).sum()) if targeted is not None else len(before),
        "risk_before": risk_block(before, qis, k),
        "risk_after": risk_block(after, qis, k),
    }
