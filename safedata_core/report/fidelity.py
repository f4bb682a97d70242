"""Fidelity summaries the report plots: per-column marginals and pairwise association differences.

These are descriptive statistics for the data steward, computed on the original
and a released table (not a DP release themselves). Everything is vectorised:
each column is turned into small integer codes once, and pairwise associations
are Cramér's V on those codes, so numbers and categories share one scale in
the heatmap.

* Numbers are cut on the original with quantile intervals plus one bin per
  point mass (a value held by at least ``1 / NUM_BINS`` of the rows, such as
  ``capital_gain = 0``), as ``marginal_2way`` does by default
  (:mod:`safedata_core.evaluation.binning`): a release that thins out a spike
  shows it.
* Categories keep the original's most frequent values; values of the release
  that the original never holds (generalised values such as ``Married``) get
  bars of their own; the rest is pooled as ``(other)``.
* Cells an SDC release blanked (missing where the original has a value, when
  the rows are matched, or the hierarchy top ``*``) are drawn as
  ``suppressed``, apart from values missing in the original, ``(missing)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.sdc.hierarchy import TOP

__all__ = ["MISSING", "OTHER", "SUPPRESSED", "association_difference", "column_codes", "marginal_comparison"]

MAX_CATEGORIES = 12
MAX_NEW_CATEGORIES = 6
NUM_BINS = 12
MAX_ASSOC_COLUMNS = 20
SUPPRESSED, OTHER, MISSING = "suppressed", "(other)", "(missing)"


def _is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def _fmt_edge(x: float) -> str:
    """A short bin edge for axis labels: 17.5, 1.2k, 35k, 1.5M."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def _suppressed(orig: pd.Series, released: pd.Series, aligned: bool) -> np.ndarray:
    """Released cells blanked by SDC: the hierarchy top ``*``, or missing where the matched original cell is not."""
    rel = released.reset_index(drop=True)
    star = rel.astype("object").eq(TOP).to_numpy(dtype=bool)
    if not aligned or len(orig) != len(released):
        return np.asarray(star)
    return np.asarray(star | (rel.isna().to_numpy() & orig.reset_index(drop=True).notna().to_numpy()))


def column_codes(
    orig: pd.Series,
    released: pd.Series,
    *,
    bins: int = NUM_BINS,
    max_categories: int = MAX_CATEGORIES,
    aligned: bool = False,
) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """Shared labels and integer codes for one column of both tables.

    ``aligned``: the two series hold the same records in the same order (an SDC
    release of the original), so a released blank over an original value is a
    suppressed cell. Returns ``None`` when the column cannot be compared
    (numeric in one table, text in the other, e.g. after generalisation).
    """
    from safedata_core.evaluation.binning import quantile_bins

    sup = _suppressed(orig, released, aligned)
    if _is_numeric(orig):
        r = pd.to_numeric(released.astype("object").where(~sup), errors="coerce").to_numpy(dtype=float)
        if (np.isnan(r) & released.notna().to_numpy() & ~sup).any():
            return None  # released text where the original has numbers (e.g. generalised ranges)
        o = pd.to_numeric(orig, errors="coerce").to_numpy(dtype=float)
        binner = quantile_bins(o, bins)
        used = binner.used()
        labels = [binner.labels(_fmt_edge)[c] for c in used[:-1]] + [SUPPRESSED, MISSING]
        remap = np.full(binner.n_codes, len(used) - 1, dtype=np.int64)
        remap[used[:-1]] = np.arange(len(used) - 1)
        remap[-1] = len(used)  # missing goes after "suppressed"
        oc = remap[binner.codes(o)]
        rc = np.where(sup, len(used) - 1, remap[binner.codes(r)])
        return labels, oc, rc
    if _is_numeric(released) and not released.isna().all():
        return None
    o, rel = orig.astype("object"), released.astype("object")
    top = o.dropna().astype(str).value_counts().index[:max_categories].tolist()
    seen = set(o.dropna().astype(str).unique())
    rel_text = rel[~sup & rel.notna().to_numpy()].astype(str)
    new = [v for v in rel_text.value_counts().index if v not in seen][:MAX_NEW_CATEGORIES]
    labels = [*top, *new, OTHER, SUPPRESSED, MISSING]
    lookup = {v: i for i, v in enumerate([*top, *new])}
    n = len(top) + len(new)

    def encode_cat(s: pd.Series, blank: np.ndarray) -> np.ndarray:
        missing = s.isna().to_numpy()
        codes = s.astype(str).map(lookup).fillna(n).to_numpy(dtype=np.int64)
        return np.where(blank, n + 1, np.where(missing, n + 2, codes))

    return labels, encode_cat(o, np.zeros(len(o), dtype=bool)), encode_cat(rel, sup)


def _freqs(codes: np.ndarray, n: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n).astype(float)
    return counts / counts.sum() if counts.sum() else counts


def marginal_comparison(
    original: pd.DataFrame, released: pd.DataFrame, *, aligned: bool = False
) -> list[dict[str, Any]]:
    """Per column: labels, original and released shares, and the total variation distance.

    ``aligned``: the tables hold the same records in the same order (see :func:`column_codes`).
    """
    out: list[dict[str, Any]] = []
    for col in original.columns:
        if col not in released.columns:
            out.append({"column": col, "comparable": False, "note": "not in the released table"})
            continue
        coded = column_codes(original[col], released[col], aligned=aligned)
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
