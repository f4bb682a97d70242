"""DP primitives that components reuse; each charges the budget share BEFORE computing its output.

API note. Every primitive takes the step's :class:`~safedata_core.privacy.BudgetShare` as
``budget`` and the epsilon (and delta, where the mechanism needs one) it may spend. Noise goes
through :func:`safedata_core.privacy.add_noise` (exact integer noise from the share's secure
:class:`~safedata_core.privacy.NoiseSource`); the ``rng`` arguments some primitives still accept
are ignored and kept only for compatibility. Each records the exact mechanism and parameters
(``geometric{sensitivity, scale}`` for discrete Laplace, ``discrete_gaussian{noise_multiplier}``,
``exponential{epsilon_each}`` with ``count`` = number of selections, ``approx`` for thresholding)
so the ledger's accountant composes it tightly, and raises :class:`~safedata_core.PrivacyBudgetError`
before touching the data if the share cannot afford it. Adjacency is add/remove one record and
each record is ONE element of ``codes``/``values``/one row of ``X`` (bound a user's contributions
before calling). Bounds and domains passed in must be public. Outputs are float arrays (noisy
counts may be negative); use the post-processing helpers (:func:`nonnegative_normalise`,
:func:`nonnegative_counts`), which spend nothing, to clean them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from safedata_core.errors import DataError, PrivacyBudgetError
from safedata_core.privacy.ledger import BudgetShare
from safedata_core.privacy.noising import (
    DiscreteGaussian,
    DiscreteLaplace,
    Gaussian,
    Laplace,
    add_noise,
    gaussian_multiplier,
)
from safedata_core.privacy.samplers import discrete_laplace as _exact_discrete_laplace

__all__ = [
    "discrete_laplace",
    "dp_bin_edges",
    "dp_covariance",
    "dp_mean",
    "dp_quantiles",
    "dp_second_moments",
    "dp_select_categories",
    "em_quantiles",
    "gaussian_noisy_counts",
    "noisy_histogram",
    "nonnegative_counts",
    "nonnegative_normalise",
    "selection_threshold",
]

HistogramMechanism = str  # "laplace" | "geometric" | "gaussian"

#: L2 sensitivity of dp_covariance's joint release (second moments, sums, count), each part at most 1.
COVARIANCE_SENSITIVITY = math.sqrt(3.0)


def _positive(name: str, value: float, where: str) -> None:
    if not (value > 0) or not math.isfinite(value):
        raise PrivacyBudgetError(f"{where}: {name}={value!r} must be a finite number > 0")


def _bounds(bounds: tuple[float, float] | list[float], where: str) -> tuple[float, float]:
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise DataError(f"{where}: bounds={bounds!r} must be two finite public numbers lo < hi")
    return lo, hi


def discrete_laplace(rng: np.random.Generator, scale: float, size: int | tuple[int, ...]) -> np.ndarray:
    """Exact integer samples with P(k) proportional to exp(-|k| / scale) (CKS 2020; charges nothing)."""
    return _exact_discrete_laplace(scale, size, rng)


def noisy_histogram(
    codes: np.ndarray,
    n_cells: int,
    *,
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator | None = None,
    mechanism: HistogramMechanism = "laplace",
    delta: float = 0.0,
    note: str = "",
) -> np.ndarray:
    """Counts of integer ``codes`` in ``[0, n_cells)`` plus exact integer noise for (epsilon[, delta])-DP.

    One record is one code, so the count vector has L1 and L2 sensitivity 1.
    ``laplace`` and ``geometric``: discrete Laplace(1/epsilon) (exact; the two
    names are kept for compatibility); ``gaussian``: discrete Gaussian whose
    sigma gives exactly (epsilon, delta), delta > 0. ``rng`` is ignored: noise
    comes from ``budget.noise``.
    """
    where = f"noisy_histogram ({note or 'histogram'})"
    _positive("epsilon", epsilon, where)
    codes = np.asarray(codes)
    if codes.size and (not np.issubdtype(codes.dtype, np.integer) or codes.min() < 0 or codes.max() >= n_cells):
        raise DataError(f"{where}: codes must be integers in [0, {n_cells}); encode values with the public domain")
    counts = np.bincount(codes.astype(np.int64), minlength=n_cells)[:n_cells].astype(float)
    if mechanism in ("laplace", "geometric"):
        return add_noise(budget, DiscreteLaplace(1, epsilon), counts, note=note)
    if mechanism == "gaussian":
        if not delta > 0:
            raise PrivacyBudgetError(f"{where}: the gaussian mechanism needs delta > 0; pass delta=... or use laplace")
        sigma = gaussian_multiplier(epsilon, delta)
        return add_noise(budget, DiscreteGaussian(sigma, 1.0, delta), counts, note=note)
    raise PrivacyBudgetError(f"{where}: unknown mechanism '{mechanism}'; choose laplace, geometric or gaussian")


def gaussian_noisy_counts(
    counts: np.ndarray,
    *,
    sigma: float,
    budget: BudgetShare,
    rng: np.random.Generator | None = None,
    note: str = "",
    delta: float | None = None,
) -> np.ndarray:
    """``counts`` (L2 sensitivity 1, one record changes one cell) plus exact Gaussian noise of std ``sigma``.

    Integer counts get discrete Gaussian noise; fractional ones are put on a
    public grid first (see :mod:`safedata_core.privacy.noising`). The event's
    standalone claim is computed at ``delta`` (the delta the caller calibrated
    ``sigma`` for; default: the share's delta); the RDP/PRV accountants compose
    it from ``noise_multiplier=sigma``. ``rng`` is ignored.
    """
    where = f"gaussian_noisy_counts ({note or 'counts'})"
    _positive("sigma", sigma, where)
    event_delta = budget.delta if delta is None else float(delta)
    if not 0 < event_delta <= budget.delta:
        raise PrivacyBudgetError(
            f"step '{budget.step}': {where} needs 0 < delta <= the share's delta ({budget.delta:g}); "
            "set the step's privacy delta"
        )
    x = np.asarray(counts, dtype=float)
    if np.array_equal(x, np.rint(x)):
        return add_noise(budget, DiscreteGaussian(float(sigma), 1.0, event_delta), x, note=note)
    return add_noise(budget, Gaussian(float(sigma), 1.0, event_delta, changed=1), x, note=note)


def _clean_values(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    out: np.ndarray = np.clip(x[~np.isnan(x)], lo, hi)
    return out


def dp_quantiles(
    values: np.ndarray,
    qs: np.ndarray | list[float],
    *,
    bounds: tuple[float, float],
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator | None = None,
    note: str = "",
) -> np.ndarray:
    """DP quantiles by the exponential mechanism (Smith 2011), epsilon split evenly over ``qs``.

    Values are clipped to the public ``bounds`` (NaN dropped). For quantile q the
    utility of a point in the gap between the i-th and (i+1)-th sorted value is
    ``-|i - q n|`` (sensitivity 1); a gap is chosen with probability proportional
    to ``width * exp(eps_q * utility / 2)`` and a point drawn uniformly in it, so
    each selection is eps_q-DP and eps_q-bounded-range. Output is sorted.
    """
    where = f"dp_quantiles ({note or 'values'})"
    _positive("epsilon", epsilon, where)
    lo, hi = _bounds(bounds, where)
    q = np.asarray(qs, dtype=float).ravel()
    if q.size == 0:
        return np.empty(0)
    if np.any((q < 0) | (q > 1)):
        raise DataError(f"{where}: quantile levels must be in [0, 1], got {q.tolist()}")
    eps_each = epsilon / q.size
    budget.charge("exponential", epsilon=epsilon, count=int(q.size), note=note, epsilon_each=eps_each, sensitivity=1.0)
    return em_quantiles(_clean_values(values, lo, hi), q, lo, hi, eps_each, budget.noise.generator)


def em_quantiles(
    x: np.ndarray, q: np.ndarray, lo: float, hi: float, eps_each: float, rng: np.random.Generator
) -> np.ndarray:
    """The exponential-mechanism quantile sampler behind :func:`dp_quantiles`; CHARGES NOTHING.

    For callers that charge once themselves (e.g. parallel composition over
    disjoint groups). ``x`` must already be clipped to ``[lo, hi]`` without NaN.
    """
    x = np.sort(x)
    n = x.size
    edges = np.concatenate([[lo], x, [hi]])
    widths = np.diff(edges)
    ranks = np.arange(n + 1, dtype=float)
    util = -np.abs(ranks[None, :] - q[:, None] * n)
    with np.errstate(divide="ignore"):
        logw = np.log(widths)[None, :] + eps_each * util / 2.0
    gumbel = rng.gumbel(size=logw.shape)
    idx = np.argmax(logw + gumbel, axis=1)
    out = edges[idx] + rng.uniform(size=q.size) * widths[idx]
    return np.sort(out)


def dp_bin_edges(
    values: np.ndarray,
    n_bins: int,
    *,
    bounds: tuple[float, float],
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator | None = None,
    note: str = "",
) -> np.ndarray:
    """Sorted unique bin edges from DP quantiles at ``1/n_bins, ..., (n_bins-1)/n_bins``, plus the bounds."""
    lo, hi = _bounds(bounds, f"dp_bin_edges ({note or 'values'})")
    if n_bins < 1:
        raise DataError(f"dp_bin_edges ({note or 'values'}): n_bins={n_bins} must be >= 1")
    if n_bins == 1:
        return np.array([lo, hi])
    qs = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    inner = dp_quantiles(values, qs, bounds=(lo, hi), budget=budget, epsilon=epsilon, note=note)
    return np.unique(np.concatenate([[lo], inner, [hi]]))


def dp_select_categories(
    values: np.ndarray,
    *,
    budget: BudgetShare,
    epsilon: float,
    delta: float,
    rng: np.random.Generator | None = None,
    note: str = "",
) -> list[str]:
    """Categories whose discrete-Laplace-noised count reaches an integer threshold ((epsilon, delta)-DP).

    For an unknown domain: each record holds one value, so a record changes one
    count by 1 (epsilon-DP for categories present in both neighbours); a
    category present only because of one record has count 1 and is released
    with probability ``P[Z >= tau - 1] = p^(tau-1) / (1 + p) <= delta``
    (``p = exp(-epsilon)``), which fixes the threshold ``tau``. Charged as one
    ``approx`` event. Sorted output. ``rng`` is ignored.
    """
    where = f"dp_select_categories ({note or 'values'})"
    _positive("epsilon", epsilon, where)
    if not 0 < delta < 1:
        raise PrivacyBudgetError(f"{where}: delta={delta!r}; thresholding needs 0 < delta < 1")
    tau = selection_threshold(epsilon, delta)
    budget.charge(
        "approx",
        epsilon=epsilon,
        delta=delta,
        note=note,
        mechanism_detail="discrete_laplace_threshold",
        scale=1.0 / epsilon,
        threshold=tau,
    )
    s = pd.Series(np.asarray(values, dtype=object).ravel())
    s = s[~s.isna()].astype(str)
    counts = s.value_counts(sort=False)
    cats = counts.index.to_numpy(dtype=object)
    noisy = counts.to_numpy(dtype=np.int64) + _exact_discrete_laplace(1.0 / epsilon, cats.size, budget.noise.generator)
    return sorted(str(c) for c in cats[noisy >= tau])


def selection_threshold(epsilon: float, delta: float) -> int:
    """Smallest integer tau with P[1 + Z >= tau] <= delta for Z ~ discrete Laplace(1/epsilon)."""
    p = math.exp(-epsilon)
    return 1 + max(0, math.ceil(math.log(1.0 / (delta * (1.0 + p))) / epsilon))


def dp_mean(
    values: np.ndarray,
    *,
    bounds: tuple[float, float],
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator | None = None,
    note: str = "",
) -> float:
    """Mean of ``values`` clipped to public ``bounds``: noisy centred sum / noisy count (epsilon/2 each).

    The centred sum has sensitivity ``(hi - lo) / 2`` (Laplace on a grid), the
    count sensitivity 1 (discrete Laplace). ``rng`` is ignored.
    """
    where = f"dp_mean ({note or 'values'})"
    _positive("epsilon", epsilon, where)
    lo, hi = _bounds(bounds, where)
    mid, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    e = epsilon / 2.0
    x = _clean_values(values, lo, hi)
    noisy_sum = add_noise(budget, Laplace(half, e, changed=1), float(np.sum(x - mid)), note=f"{note} sum".strip())
    noisy_n = add_noise(budget, DiscreteLaplace(1, e), float(x.size), note=f"{note} count".strip())
    return float(np.clip(mid + float(noisy_sum) / max(float(noisy_n), 1.0), lo, hi))


def dp_covariance(
    X: np.ndarray,
    *,
    clip_norm: float,
    budget: BudgetShare,
    epsilon: float,
    delta: float,
    rng: np.random.Generator | None = None,
    note: str = "",
) -> np.ndarray:
    """Covariance matrix of rows of ``X`` clipped to L2 norm ``clip_norm``, by one Gaussian mechanism.

    Releases ``(upper triangle of X^T X / C^2, sum(x) / C, n)`` jointly: a record
    adds at most 1 to the first part's L2 norm (``||x x^T||_F = ||x||^2 <= 1``),
    1 to the second and 1 to the count, so the L2 sensitivity is sqrt(3). Noise
    is exact Gaussian on a grid with sigma calibrated to exactly (epsilon,
    delta); then ``S/n - m m^T`` is projected onto the PSD cone
    (post-processing). Centre ``X`` with PUBLIC values first. ``rng`` is ignored.
    """
    where = f"dp_covariance ({note or 'X'})"
    _positive("epsilon", epsilon, where)
    _positive("clip_norm", clip_norm, where)
    if not 0 < delta < 1:
        raise PrivacyBudgetError(f"{where}: delta={delta!r}; the Gaussian mechanism needs 0 < delta < 1")
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or np.isnan(A).any():
        raise DataError(f"{where}: X must be a 2-D array without NaN; impute or drop missing values first")
    S, s1, nn = dp_second_moments(A, clip_norm=clip_norm, budget=budget, epsilon=epsilon, delta=delta, note=note)
    m = s1 / nn
    cov = (S / nn - np.outer(m, m)) * clip_norm**2
    w, v = np.linalg.eigh((cov + cov.T) / 2.0)
    out: np.ndarray = (v * np.maximum(w, 0.0)) @ v.T
    return out


def dp_second_moments(
    X: np.ndarray,
    *,
    clip_norm: float,
    budget: BudgetShare,
    epsilon: float,
    delta: float,
    note: str = "",
) -> tuple[np.ndarray, np.ndarray, float]:
    """Noisy ``(X^T X / C^2, sum(x) / C, n)`` of rows clipped to L2 norm ``C``: one Gaussian release.

    L2 sensitivity sqrt(3) (see :func:`dp_covariance`); sigma gives exactly (epsilon, delta).
    The count is floored at 2 (post-processing).
    """
    A = np.asarray(X, dtype=float)
    sens = COVARIANCE_SENSITIVITY
    sigma = gaussian_multiplier(epsilon, delta) * sens
    n, d = A.shape
    norms = np.linalg.norm(A, axis=1)
    A = A * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-300))[:, None] / clip_norm
    iu = np.triu_indices(d)
    exact = np.concatenate([(A.T @ A)[iu], A.sum(axis=0), [float(n)]])
    noisy = add_noise(budget, Gaussian(sigma, sens, delta), exact, note=note)
    k = iu[0].size
    S = np.zeros((d, d))
    S[iu] = noisy[:k]
    S = S + np.triu(S, 1).T
    return S, noisy[k : k + d], max(float(noisy[-1]), 2.0)


def nonnegative_counts(counts: np.ndarray) -> np.ndarray:
    """Post-processing: noisy counts clipped at 0 (spends nothing)."""
    out: np.ndarray = np.maximum(np.asarray(counts, dtype=float), 0.0)
    return out


def nonnegative_normalise(counts: np.ndarray) -> np.ndarray:
    """Post-processing: clip noisy counts at 0 and normalise to probabilities (uniform if all are 0)."""
    c = nonnegative_counts(counts)
    total = c.sum()
    if not total > 0:
        return np.full(c.shape, 1.0 / max(c.size, 1))
    out: np.ndarray = c / total
    return out
