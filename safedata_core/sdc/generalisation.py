"""Apply a full-domain generalisation node to a table and suppress its outlier records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from safedata_core.sdc.hierarchy import TOP, Hierarchy

__all__ = ["apply_levels", "suppress_records"]


def apply_levels(
    df: pd.DataFrame,
    hierarchies: Mapping[str, Hierarchy],
    levels: Mapping[str, int],
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Generalise each column to its level; with ``rows`` only those records (others keep their values)."""
    out = df.copy()
    treated = np.ones(len(df), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    for col, level in levels.items():
        if level == 0 or not treated.any():
            continue
        new = hierarchies[col].generalise(df.loc[treated, col], level)
        column = df[col].astype(object).copy()
        column[treated] = new.to_numpy(dtype=object)
        out[col] = column
    return out


def suppress_records(df: pd.DataFrame, qis: Sequence[str], mask: np.ndarray) -> pd.DataFrame:
    """Set every QI of the masked records to ``*`` (text columns) or missing (numeric columns)."""
    out = df.copy()
    if not np.asarray(mask).any():
        return out
    for c in qis:
        if pd.api.types.is_numeric_dtype(out[c]):
            out.loc[mask, c] = np.nan
        else:
            out[c] = out[c].astype(object)
            out.loc[mask, c] = TOP
    return out
