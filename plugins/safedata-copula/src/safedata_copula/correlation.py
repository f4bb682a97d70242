"""Correlation of normal scores: exact (non-private) or with the Gaussian mechanism (DP), made a valid correlation.

Under DP every record's normal-score vector ``z`` (computed through the
already released DP marginals, so the map from a record to ``z`` does not
depend on other records) is clipped to L2 norm ``C``. The second-moment sum
``S = sum_r z_r z_r^T`` then changes by ``z z^T`` when a record is added or
removed, whose Frobenius norm is ``|z|^2 <= C^2``; the upper triangle of
``S / C^2`` therefore has L2 sensitivity at most 1 and gets Gaussian noise
(``gaussian_noisy_counts``). The noisy matrix is normalised by its diagonal
and projected to the nearest positive-definite correlation: post-processing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dp_correlation", "nearest_correlation", "normal_scores", "score_correlation"]

_EIG_FLOOR = 1e-6


def normal_scores(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles of uniforms (clipped away from 0 and 1)."""
    from scipy.special import ndtri  # lazy: keeps `safedata plugins` fast

    return ndtri(np.clip(u, 1e-6, 1 - 1e-6))


def nearest_correlation(m: np.ndarray) -> np.ndarray:
    """A positive-definite correlation matrix near the symmetric matrix ``m`` (eigenvalue clipping + rescaling)."""
    m = np.nan_to_num(0.5 * (m + m.T))
    np.fill_diagonal(m, 1.0)
    vals, vecs = np.linalg.eigh(m)
    fixed = (vecs * np.maximum(vals, _EIG_FLOOR)) @ vecs.T
    d = np.sqrt(np.diag(fixed))
    out = fixed / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return out


def score_correlation(z: np.ndarray) -> np.ndarray:
    """Non-private correlation of normal scores (constant columns get zero correlation)."""
    if z.shape[1] == 1:
        return np.ones((1, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(z, rowvar=False)
    return nearest_correlation(r)


def dp_correlation(z: np.ndarray, *, clip_norm: float, budget: Any, epsilon: float, delta: float,
                   rng: np.random.Generator, note: str = "") -> np.ndarray:
    """DP correlation of normal scores with the Gaussian mechanism, charged to ``budget``."""
    from safedata_core.privacy import analytic_gaussian_sigma, gaussian_noisy_counts

    d = z.shape[1]
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    zc = z * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
    iu = np.triu_indices(d)
    moments = (zc.T @ zc)[iu] / clip_norm**2  # L2 sensitivity <= 1 under add/remove
    sigma = analytic_gaussian_sigma(epsilon, delta, sensitivity=1.0)
    noisy = np.asarray(
        gaussian_noisy_counts(moments, sigma=sigma, budget=budget, rng=rng, note=note, delta=delta), dtype=float
    )
    s = np.zeros((d, d))
    s[iu] = noisy
    s = s + np.triu(s, 1).T
    diag = np.diag(s).copy()
    if np.any(diag <= 0):
        # too noisy to normalise: keep the columns independent where the variance is unusable
        bad = diag <= 0
        s[bad, :] = 0.0
        s[:, bad] = 0.0
        diag[bad] = 1.0
    r = s / np.sqrt(np.outer(diag, diag))
    return nearest_correlation(r)
