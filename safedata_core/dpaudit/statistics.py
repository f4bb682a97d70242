"""Test statistics on one synthetic release: how much of the canary shows up in it.

Per column, a release row "matches" the canary when it has the canary's
category (missing matches missing) or, for numbers, lies within a share of
the declared range of the canary's value (two widths: ``NARROW`` and
``WIDE``). The candidate statistics are counts of rows that match:

* ``col:<feature>``: one feature (a column, or a column at one width);
* ``pair:<f1>&<f2>``: two features of different columns at once;
* ``atleast:<q>``: at least ``q`` columns (wide match for numbers);
* ``max_columns``: the largest number of columns one row matches.

:func:`statistic_names` and :func:`compute_statistics` agree on the order.
The audit picks one statistic and a threshold on half of the runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import Metadata

__all__ = ["NARROW", "WIDE", "compute_statistics", "statistic_names"]

NARROW = 0.02
WIDE = 0.10


def _features(metadata: Metadata) -> list[tuple[str, str, float]]:
    """(feature name, column, width) for every feature; width 0 for exact matches."""
    out: list[tuple[str, str, float]] = []
    for col, meta in metadata.columns.items():
        if meta.is_numeric:
            out.append((f"{col}~{NARROW:g}", col, NARROW))
            out.append((f"{col}~{WIDE:g}", col, WIDE))
        else:
            out.append((col, col, 0.0))
    return out


def _pairs(features: list[tuple[str, str, float]]) -> list[tuple[int, int]]:
    return [
        (i, j) for i in range(len(features)) for j in range(i + 1, len(features)) if features[i][1] != features[j][1]
    ]


def statistic_names(metadata: Metadata) -> list[str]:
    feats = _features(metadata)
    d = len(metadata.columns)
    names = [f"col:{f[0]}" for f in feats]
    names += [f"pair:{feats[i][0]}&{feats[j][0]}" for i, j in _pairs(feats)]
    names += [f"atleast:{q}" for q in range(2, d + 1)]
    names.append("max_columns")
    return names


def _match(series: pd.Series, value: Any, meta: Any, width: float) -> np.ndarray:
    missing = series.isna().to_numpy()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.asarray(missing)
    if meta.is_numeric:
        lo, hi = (float(b) for b in meta.bounds)
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return np.asarray((~missing) & (np.abs(x - float(value)) <= width * (hi - lo)))
    return np.asarray((~missing) & (series.astype(str).to_numpy() == str(value)))


def compute_statistics(release: pd.DataFrame, canary: dict[str, Any], metadata: Metadata) -> np.ndarray:
    """Every candidate statistic of one release, in :func:`statistic_names` order."""
    feats = _features(metadata)
    m = np.column_stack(
        [_match(release[col], canary[col], metadata.columns[col], width) for _, col, width in feats]
    ).astype(np.int64)
    singles = m.sum(axis=0)
    both = m.T @ m
    idx = np.array(_pairs(feats), dtype=np.int64).reshape(-1, 2)
    pairs = both[idx[:, 0], idx[:, 1]]
    wide_cols = [i for i, (_, col, width) in enumerate(feats) if width in (0.0, WIDE)]
    per_row = m[:, wide_cols].sum(axis=1)
    d = len(metadata.columns)
    atleast = np.array([int((per_row >= q).sum()) for q in range(2, d + 1)], dtype=np.int64)
    top = np.array([int(per_row.max()) if len(per_row) else 0], dtype=np.int64)
    return np.concatenate([singles, pairs, atleast, top]).astype(float)
