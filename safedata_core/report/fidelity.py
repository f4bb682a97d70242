"""Fidelity summaries the report plots: per-column marginals and pairwise association differences.

These are descriptive statistics for the data steward, computed on the original
and a released table (not a DP release themselves). Everything is vectorised:
each column is turned into small integer codes once (numbers binned on the
original's range, categories by the original's most frequent values), and
pairwise associations are Cramér's V on those codes, so numbers and
categories share one scale in the heatmap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["association_difference", "column_codes", "marginal_comparison"]

MAX_CATEGORIES = 12
NUM_BINS = 12
MAX_ASSOC_COLUMNS = 20


def _is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def _numeric_edges(orig: pd.Series, bins: int) -> np.ndarray | None:
    values = pd.to_numeric(orig, errors="coerce").dropna().to_numpy(dtype=float)
    if values.size == 0:
        return None
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, bins + 1)


def _fmt_edge(x: float) -> str:
    """A short bin edge for axis labels: 17.5, 1.2k, 35k, 1.5M."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def column_codes(
    orig: pd.Series, released: pd.Series, *, bins: int = NUM_BINS, max_categories: int = MAX_CATEGORIES
) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """Shared labels and integer codes for one column of both tables.

    Numbers are binned on the original's range (released values outside it fall
    in the edge bins); categories keep the original's most frequent values and
    pool the rest as ``(other)``; missing values get their own ``(missing)`` code.
    Returns ``None`` when the column cannot be compared (numeric in one table,
    text in the other, e.g. after generalisation).
    """
    if _is_numeric(orig) != _is_numeric(released):
        return None
    if _is_numeric(orig):
        edges = _numeric_edges(orig, bins)
        if edges is None:
            return None
        labels = [f"{_fmt_edge(edges[i])}–{_fmt_edge(edges[i + 1])}" for i in range(bins)] + ["(missing)"]

        def encode_num(s: pd.Series) -> np.ndarray:
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, bins - 1)
            return np.where(np.isnan(v), bins, idx).astype(np.int64)

        return labels, encode_num(orig), encode_num(released)
    o, r = orig.astype("object"), released.astype("object")
    top = o.dropna().astype(str).value_counts().index[:max_categories].tolist()
    labels = [*top, "(other)", "(missing)"]
    lookup = {v: i for i, v in enumerate(top)}

    def encode_cat(s: pd.Series) -> np.ndarray:
        missing = s.isna().to_numpy()
        codes = s.astype(str).map(lookup).fillna(len(top)).to_numpy(dtype=np.int64)
        return np.where(missing, len(top) + 1, codes)

    return labels, encode_cat(o), encode_cat(r)


def _freqs(codes: np.ndarray, n: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n).astype(float)
    return counts / counts.sum() if counts.sum() else counts


def marginal_comparison(original: pd.DataFrame, released: pd.DataFrame) -> list[dict[str, Any]]:
    """Per column: labels, original and released shares, and the total variation distance."""
    out: list[dict[str, Any]] = []
    for col in original.columns:
        if col not in released.columns:
            out.append({"column": col, "comparable": False, "note": "not in the released table"})
            continue
        coded = column_codes(original[col], released[col])
        if coded is None:
            out.append(
                {
                    "column": col,
                    "comparable": False,
                    "note": "released values have another type (e.g. generalised ranges)",
                    "released_categories": released[col]
                    .astype(str)
                    .value_counts(normalize=True)
                    .head(MAX_CATEGORIES)
                    .round(4)
                    .to_dict(),
                }
            )
            continue
        labels, oc, rc = coded
        p, q = _freqs(oc, len(labels)), _freqs(rc, len(labels))
        keep = (p > 0) | (q > 0)
        out.append(
            {
                "column": col,
                "comparable": True,
                "numeric": _is_numeric(original[col]),
                "labels": [lab for lab, k in zip(labels, keep, strict=True) if k],
                "original": [round(float(x), 5) for x in p[keep]],
                "released": [round(float(x), 5) for x in q[keep]],
                "tvd": round(float(0.5 * np.abs(p - q).sum()), 5),
            }
        )
    return out


def _cramers_v(a: np.ndarray, b: np.ndarray, na: int, nb: int) -> float:
    n = a.size
    if n == 0:
        return 0.0
    table = np.bincount(a * nb + b, minlength=na * nb).reshape(na, nb).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    r, c = table.shape
    if r < 2 or c < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(r, c) - 1))))


def association_difference(original: pd.DataFrame, released: pd.DataFrame) -> dict[str, Any] | None:
    """Cramér's V between every pair of columns in both tables, and the absolute difference."""
    cols: list[str] = []
    codes_o: list[np.ndarray] = []
    codes_r: list[np.ndarray] = []
    sizes: list[int] = []
    for col in original.columns:
        if col not in released.columns or len(cols) >= MAX_ASSOC_COLUMNS:
            continue
        coded = column_codes(original[col], released[col])
        if coded is None:
            continue
        labels, oc, rc = coded
        cols.append(col)
        codes_o.append(oc)
        codes_r.append(rc)
        sizes.append(len(labels))
    if len(cols) < 2:
        return None
    k = len(cols)
    diff = np.zeros((k, k))
    orig_v = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            vo = _cramers_v(codes_o[i], codes_o[j], sizes[i], sizes[j])
            vr = _cramers_v(codes_r[i], codes_r[j], sizes[i], sizes[j])
            orig_v[i, j] = orig_v[j, i] = vo
            diff[i, j] = diff[j, i] = abs(vo - vr)
    upper = diff[np.triu_indices(k, 1)]
    return {
        "measure": "cramers_v",
        "columns": cols,
        "original": np.round(orig_v, 4).tolist(),
        "difference": np.round(diff, 4).tolist(),
        "mean_difference": round(float(upper.mean()), 5),
        "max_difference": round(float(upper.max()), 5),
    }
