"""Sample and population frequencies of key combinations, as in sdcMicro's ``freqCalc``.

For every record, ``fk`` is the number of sample records that share its key
(quasi-identifier) values and ``Fk`` the sum of their sampling weights (an
estimate of the population frequency; ``Fk == fk`` without weights).

Missing key values follow sdcMicro: a missing value is a *wildcard* that
matches any value, so records ``i`` and ``j`` match when on every key either
value is missing or both are equal. This is computed per pair of missingness
patterns: for patterns P and Q only the keys observed in both are compared,
so the cost is ``O(patterns^2 * n)`` vectorised work instead of ``O(n^2)``.

``individual_risk`` turns (fk, Fk) into the per-record re-identification risk
of Benedetti & Franconi (1998) as used by sdcMicro's ``indivRisk``:
the posterior expectation of ``1/F`` given ``f`` when ``F - f`` follows a
negative binomial with success probability ``p = fk / Fk``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.errors import DataError
from safedata_core.inventory.keys import column_codes

MAX_PATTERNS = 64

__all__ = ["FreqResult", "freq_calc", "individual_risk", "risk_summary"]


@dataclass(frozen=True)
class FreqResult:
    """Per-record frequencies of the key combination (``fk`` sample, ``Fk`` weighted)."""

    fk: np.ndarray
    Fk: np.ndarray
    wildcard_missing: bool

    @property
    def n1(self) -> int:
        """Number of sample uniques (records with ``fk == 1``)."""
        return int((self.fk == 1).sum())

    @property
    def n2(self) -> int:
        """Number of records with ``fk == 2``."""
        return int((self.fk == 2).sum())


def freq_calc(df: pd.DataFrame, keys: Sequence[str], weights: str | np.ndarray | None = None) -> FreqResult:
    """sdcMicro-style ``freqCalc``: ``fk`` and (weighted) ``Fk`` per record, missing keys as wildcards."""
    n = len(df)
    w = _weights(df, weights)
    keys = list(keys)
    if not keys:
        return FreqResult(np.full(n, n, dtype=np.int64), np.full(n, float(w.sum())), True)
    codes = np.column_stack([column_codes(df[k], na_code=False)[0] for k in keys])  # -1 = missing
    observed = codes >= 0
    pattern_key = (observed.astype(np.int64) << np.arange(len(keys), dtype=np.int64)).sum(axis=1)
    patterns, pattern_of = np.unique(pattern_key, return_inverse=True)
    if len(patterns) == 1 and bool(observed[0].all()):  # no missing key: plain class counts (same sums)
        return _freq_by_category(codes, w, wildcard=True)
    if len(patterns) > MAX_PATTERNS:
        # too many missingness patterns for the exact wildcard rule: missing becomes a category
        return _freq_by_category(codes, w, wildcard=False)
    fk = np.zeros(n, dtype=np.int64)
    Fk = np.zeros(n, dtype=np.float64)
    rows_of = [np.flatnonzero(pattern_of == i) for i in range(len(patterns))]
    mask_of = [observed[r[0]] for r in rows_of]
    for i, rows_p in enumerate(rows_of):
        for j, rows_q in enumerate(rows_of):
            common = mask_of[i] & mask_of[j]
            if not common.any():
                fk[rows_p] += len(rows_q)
                Fk[rows_p] += w[rows_q].sum()
                continue
            sub = codes[:, common]
            both = np.concatenate([rows_p, rows_q])
            ids = _row_ids(sub[both])
            ids_p, ids_q = ids[: len(rows_p)], ids[len(rows_p) :]
            size = int(ids.max()) + 1
            fk[rows_p] += np.bincount(ids_q, minlength=size)[ids_p]
            Fk[rows_p] += np.bincount(ids_q, weights=w[rows_q], minlength=size)[ids_p]
    return FreqResult(fk, Fk, True)


def _freq_by_category(codes: np.ndarray, w: np.ndarray, *, wildcard: bool) -> FreqResult:
    ids = _row_ids(codes)
    size = int(ids.max()) + 1 if len(ids) else 0
    fk = np.bincount(ids, minlength=size)[ids]
    Fk = np.bincount(ids, weights=w, minlength=size)[ids]
    return FreqResult(fk.astype(np.int64), Fk, wildcard)


def _row_ids(codes: np.ndarray) -> np.ndarray:
    """Dense ids of the distinct rows of an integer matrix."""
    key = np.zeros(codes.shape[0], dtype=np.int64)
    radix = 1
    for col in codes.T:
        card = int(col.max()) + 2 if len(col) else 1
        if radix * card >= np.iinfo(np.int64).max // 4:
            key = pd.factorize(key)[0].astype(np.int64)
            radix = int(key.max()) + 1
        key = key * card + (col + 1)
        radix *= card
    return np.asarray(pd.factorize(key)[0].astype(np.int64))


def _weights(df: pd.DataFrame, weights: str | np.ndarray | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(df))
    if isinstance(weights, str):
        if weights not in df.columns:
            raise DataError(f"weight column '{weights}' is not in the data (give an existing column to --weight)")
        w = pd.to_numeric(df[weights], errors="coerce").to_numpy(dtype=float)
        where = f"weight column '{weights}'"
    else:
        w = np.asarray(weights, dtype=float)
        where = "weights"
    if len(w) != len(df) or np.isnan(w).any() or (w <= 0).any():
        raise DataError(f"{where} must hold a positive number for every record (fix or drop the weights)")
    return np.asarray(w)


def individual_risk(fk: np.ndarray, Fk: np.ndarray, *, nodes: int = 64) -> np.ndarray:
    """Benedetti-Franconi individual risk ``E[1/F | f]`` per record (``1/fk`` when ``Fk == fk``).

    With ``p = fk/Fk`` and ``F - f ~ NegBin(f, p)``, ``E[1/F] = int_0^1 (p t / (1 - (1-p) t))^f / t dt``,
    evaluated by Gauss-Legendre quadrature once per distinct ``(fk, p)`` pair.
    """
    fk = np.asarray(fk, dtype=float)
    p = np.clip(fk / np.maximum(np.asarray(Fk, dtype=float), fk), 1e-12, 1.0)
    if len(p) == 0 or bool((p >= 1.0).all()):  # no weights: the risk is 1/fk
        return np.asarray(1.0 / np.maximum(fk, 1.0))
    f_codes, f_uniq = pd.factorize(fk)
    p_codes, p_uniq = pd.factorize(p)
    inverse, pair_uniq = pd.factorize(f_codes.astype(np.int64) * len(p_uniq) + p_codes)
    f_u = np.asarray(f_uniq, dtype=float)[pair_uniq // len(p_uniq)][:, None]
    p_u = np.asarray(p_uniq, dtype=float)[pair_uniq % len(p_uniq)][:, None]
    x, wq = np.polynomial.legendre.leggauss(nodes)
    # substitute t = 1 - s^2 to concentrate nodes near t = 1 where the integrand peaks for small p
    s = (x + 1) / 2
    t = 1 - s**2
    jac = 2 * s * wq / 2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        base = p_u * t / (1 - (1 - p_u) * t)
        integrand = np.exp(f_u * np.log(base)) / t
    integrand = np.nan_to_num(integrand, nan=0.0, posinf=0.0)
    risk_u = (integrand * jac).sum(axis=1)
    exact = p_u[:, 0] >= 1.0
    risk_u[exact] = 1.0 / f_u[exact, 0]
    return np.asarray(np.clip(risk_u[np.ravel(inverse)], 0.0, 1.0))


def risk_summary(result: FreqResult, risk: np.ndarray, *, weighted: bool) -> dict[str, Any]:
    """Aggregate figures of the individual risk (no per-record values)."""
    thresholds = (0.01, 0.05, 0.1, 0.2, 0.5)
    return {
        "method": "sdcMicro freqCalc (missing key = wildcard) + Benedetti-Franconi individual risk",
        "weighted": weighted,
        "wildcard_missing": result.wildcard_missing,
        "n1_sample_uniques": result.n1,
        "n2": result.n2,
        "expected_reidentifications": float(risk.sum()),
        "mean_risk": float(risk.mean()) if len(risk) else 0.0,
        "max_risk": float(risk.max()) if len(risk) else 0.0,
        "records_above": {str(t): int((risk > t).sum()) for t in thresholds},
    }
