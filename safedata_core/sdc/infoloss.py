"""Information-loss measures of an SDC release against the original records.

* :func:`sse_sst` - 100 * SSE / SST on z-scored numeric columns (population sd
  of the original), the microaggregation literature's measure: SSE sums the
  squared differences original - released, SST the squared deviations of the
  original from its mean. Cells missing on either side are left out.
* :func:`nonuniform_entropy` - ARX's non-uniform entropy of a generalisation:
  for each cell ``log2(f(released value) / f(original value))`` with frequencies
  over the records; suppressed cells count as generalised to one value.
* :func:`discernibility` - sum over equivalence classes of size^2, a suppressed
  record costs n (Bayardo & Agrawal's DM*).
* :func:`generalisation_height` - levels used and their share of the maximum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.risk import class_sizes

__all__ = ["discernibility", "generalisation_height", "nonuniform_entropy", "sse_sst"]


def sse_sst(original: pd.DataFrame, released: pd.DataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """100 * SSE / SST over ``columns`` together and per column (see the module docstring)."""
    per: dict[str, float] = {}
    sse_total = sst_total = 0.0
    for c in columns:
        x = pd.to_numeric(original[c], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(released[c], errors="coerce").to_numpy(dtype=float)
        ok = ~(np.isnan(x) | np.isnan(y))
        sd = float(np.nanstd(x))
        if not ok.any() or not sd > 0:
            per[c] = 0.0
            continue
        zx, zy = x[ok] / sd, y[ok] / sd
        sse = float(((zx - zy) ** 2).sum())
        sst = float(((zx - zx.mean()) ** 2).sum())
        per[c] = 100.0 * sse / sst if sst > 0 else 0.0
        sse_total += sse
        sst_total += sst
    return {
        "sse_sst_percent": 100.0 * sse_total / sst_total if sst_total > 0 else 0.0,
        "per_column": per,
    }


def _freq(s: pd.Series) -> np.ndarray:
    codes, uniq = pd.factorize(s, use_na_sentinel=False)
    return np.asarray(np.bincount(codes, minlength=len(uniq)).astype(float)[codes])


def nonuniform_entropy(original: pd.DataFrame, released: pd.DataFrame, columns: Sequence[str]) -> float:
    """Non-uniform entropy loss in bits, summed over cells of ``columns``."""
    total = 0.0
    for c in columns:
        f0 = _freq(original[c].astype(object))
        f1 = _freq(released[c].astype(object))
        total += float(np.log2(np.maximum(f1, f0) / f0).sum())
    return total


def discernibility(df: pd.DataFrame, qis: Sequence[str], suppressed: np.ndarray | None = None) -> float:
    """DM*: sum of squared class sizes; each suppressed record costs ``len(df)``."""
    n = len(df)
    sup = np.zeros(n, dtype=bool) if suppressed is None else np.asarray(suppressed, dtype=bool)
    sizes = class_sizes(df.loc[~sup], list(qis)).astype(float)
    # each record of a class of size s contributes s, so the class contributes s^2
    return float(sizes.sum() + n * sup.sum())


def generalisation_height(levels: Mapping[str, int], heights: Mapping[str, int]) -> dict[str, Any]:
    """Sum of levels, its share of the sum of the hierarchy heights, and the levels."""
    used = int(sum(levels.values()))
    top = int(sum(heights[c] for c in levels))
    return {"height": used, "max_height": top, "relative_height": used / top if top else 0.0, "levels": dict(levels)}
