"""PRAM (post-randomisation) of categorical values with a given or an invariant transition matrix.

A transition matrix ``P`` has ``P[a, b]`` = probability that category ``a`` is
released as ``b``; rows sum to 1. The invariant matrix keeps the expected
frequencies: with ``T`` the category counts, ``T @ R == T``. It is built as in
Gouweleeuw et al. (1998): start from ``P`` with ``p_stay`` on the diagonal and
the rest spread evenly, take the Bayes backward matrix
``Q[b, a] = P[a, b] T[a] / sum_c P[c, b] T[c]`` and use ``R = P @ Q``.
Missing values are never randomised.
"""

from __future__ import annotations

import numpy as np

from safedata_core.errors import DataError

__all__ = ["apply_transition", "invariant_matrix", "uniform_retention_matrix"]


def uniform_retention_matrix(n_categories: int, p_stay: float) -> np.ndarray:
    """``p_stay`` on the diagonal, ``(1 - p_stay) / (K - 1)`` elsewhere."""
    if n_categories == 1:
        return np.ones((1, 1))
    off = (1.0 - p_stay) / (n_categories - 1)
    m = np.full((n_categories, n_categories), off)
    np.fill_diagonal(m, p_stay)
    return m


def invariant_matrix(counts: np.ndarray, p_stay: float) -> np.ndarray:
    """An invariant transition matrix ``R`` (``counts @ R == counts``) built from the uniform-retention one."""
    t = np.asarray(counts, dtype=float)
    p = uniform_retention_matrix(len(t), p_stay)
    joint = p * t[:, None]  # joint[a, b] = T[a] P[a, b]
    col = joint.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(col[:, None] > 0, joint.T / col[:, None], 0.0)  # q[b, a]
    r = p @ q
    # a category with zero count has an all-zero row in R: let it stay
    empty = r.sum(axis=1) <= 0
    r[empty] = 0.0
    r[empty, np.flatnonzero(empty)] = 1.0
    return np.asarray(r / r.sum(axis=1, keepdims=True))


def check_matrix(m: np.ndarray, where: str) -> np.ndarray:
    """Validate a transition matrix (square, non-negative, rows summing to 1)."""
    m = np.asarray(m, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or (m < 0).any() or not np.allclose(m.sum(axis=1), 1.0, atol=1e-9):
        raise DataError(f"{where}: the transition matrix must be square, non-negative, with rows summing to 1")
    return m


def apply_transition(codes: np.ndarray, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a new code for each ``codes[i] >= 0`` from row ``matrix[codes[i]]``; negative codes stay."""
    out = codes.copy()
    ok = codes >= 0
    if not ok.any():
        return out
    cum = np.cumsum(matrix, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(int(ok.sum()))
    out[ok] = (u[:, None] > cum[codes[ok]]).sum(axis=1)
    return out
