"""Correlation of normal scores: exact (non-private) or with the Gaussian mechanism (DP), made a valid correlation.

Under DP every record's normal-score vector ``z`` (computed through the
already released DP marginals with per-record jitter from the share's noise
source, so the map from a record to ``z`` does not depend on other records or
on their positions) is clipped to L2 norm ``C``. The second-moment sum
``S = sum_r z_r z_r^T`` then changes by ``z z^T`` when a record is added or
removed, whose Frobenius norm is ``|z|^2 <= C^2``; the upper triangle of
``S / C^2`` therefore has L2 sensitivity at most 1. It gets exact Gaussian
noise on a public grid (:class:`~safedata_core.privacy.Gaussian`, which
accounts for the rounding of every coordinate) with the noise multiplier
found by bisection on the ledger's accountant
(:func:`correlation_noise_multiplier`). The noisy matrix is normalised by its
diagonal and projected to the nearest positive-definite correlation:
post-processing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from safedata_core import PrivacyBudgetError
from safedata_core.privacy import Gaussian, add_noise

if TYPE_CHECKING:
    from safedata_core.privacy import BudgetShare

__all__ = [
    "correlation_noise_multiplier",
    "dp_correlation",
    "nearest_correlation",
    "normal_scores",
    "score_correlation",
    "second_moments",
]

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


def second_moments(z: np.ndarray, clip_norm: float) -> np.ndarray:
    """Upper triangle of ``sum_r z_r z_r^T / C^2`` with every row clipped to L2 norm ``C`` (L2 sensitivity <= 1)."""
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    zc = z * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
    return (zc.T @ zc)[np.triu_indices(z.shape[1])] / clip_norm**2


def correlation_noise_multiplier(budget: BudgetShare, n_moments: int, delta: float) -> float:
    """Smallest noise multiplier of the moments release that keeps the step within its share.

    Bisection on the ledger's own accountant over the step's recorded events
    plus this release (:meth:`~safedata_core.privacy.BudgetShare.compose`), so the
    step spends exactly its share and never more.
    """

    def fits(nm: float) -> bool:
        return budget.compose([Gaussian(nm, 1.0, delta).event(budget, n_moments)]) <= budget.epsilon

    hi = 1.0
    while not fits(hi):
        hi *= 2.0
        if hi > 1e7:
            raise PrivacyBudgetError(
                f"step '{budget.step}': gaussian_copula has no epsilon left for the correlation after the "
                "marginals; raise the step's privacy share or lower marginal_share"
            )
    lo = hi / 2.0
    while fits(lo) and lo > 1e-6:
        lo, hi = lo / 2.0, lo
    while hi - lo > 1e-10 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
    return hi


def dp_correlation(
    z: np.ndarray, *, clip_norm: float, budget: BudgetShare, noise_multiplier: float, delta: float, note: str = ""
) -> np.ndarray:
    """DP correlation of normal scores: exact Gaussian noise on the clipped second moments, then projected."""
    d = z.shape[1]
    iu = np.triu_indices(d)
    noisy = add_noise(budget, Gaussian(noise_multiplier, 1.0, delta), second_moments(z, clip_norm), note=note)
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
