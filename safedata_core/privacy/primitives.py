"""DP primitives that components reuse; each charges the budget share BEFORE computing its output.

API note. Every primitive takes the step's :class:`~safedata_core.privacy.BudgetShare` as
``budget``, the epsilon (and delta, where the mechanism needs one) it may spend, and a
generator ``rng`` that must come from ``budget.noise_rng(seed)``. It records one charge
with the exact mechanism kind and parameters (``laplace{sensitivity, scale}``,
``geometric{sensitivity, scale}``, ``gaussian{noise_multiplier}``, ``exponential{epsilon}``
with ``count`` = number of selections, ``approx`` for thresholding) so the ledger's
accountant can compose it tightly, and raises :class:`~safedata_core.PrivacyBudgetError`
before touching the data if the share cannot afford it. Adjacency is add/remove one record
and each record is ONE element of ``codes``/``values``/one row of ``X`` (bound a user's
contributions before calling). Bounds and domains passed in must be public. Outputs are
float arrays (noisy counts may be negative or fractional); use the post-processing helpers
(:func:`nonnegative_normalise`, :func:`nonnegative_counts`), which spend nothing, to clean
them. ``noisy_histogram`` / ``gaussian_noisy_counts`` cover histograms and k-way contingency
tables (pass ``np.ravel_multi_index`` codes), ``dp_quantiles`` / ``dp_bin_edges`` give DP
bounds and bins, ``dp_select_categories`` finds an unknown category domain (needs delta > 0),
``dp_mean`` / ``dp_covariance`` give clipped moments.
"""

from __future__ import annotations

import math

import numpy as np

from safedata_core.errors import DataError, PrivacyBudgetError
from safedata_core.privacy.calibration import analytic_gaussian_sigma, gaussian_epsilon
from safedata_core.privacy.ledger import BudgetShare

__all__ = [
    "discrete_laplace",
    "dp_bin_edges",
    "dp_covariance",
    "dp_mean",
    "dp_quantiles",
    "dp_select_categories",
    "em_quantiles",
    "gaussian_noisy_counts",
    "noisy_histogram",
    "nonnegative_counts",
    "nonnegative_normalise",
]

HistogramMechanism = str  # "laplace" | "geometric" | "gaussian"


def _positive(name: str, value: float, where: str) -> None:
    if not (value > 0) or not math.isfinite(value):
        raise PrivacyBudgetError(f"{where}: {name}={value!r} must be a finite number > 0")


def _bounds(bounds: tuple[float, float] | list[float], where: str) -> tuple[float, float]:
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise DataError(f"{where}: bounds={bounds!r} must be two finite public numbers lo < hi")
    return lo, hi


def discrete_laplace(rng: np.random.Generator, scale: float, size: int | tuple[int, ...]) -> np.ndarray:
    """Exact integer samples with P(k) proportional to exp(-|k| / scale).

    The difference of two i.i.d. geometric variables (failures before the first
    success, success probability ``1 - exp(-1/scale)``) is discrete Laplace.
    """
    p = -math.expm1(-1.0 / scale)
    return (rng.geometric(p, size) - rng.geometric(p, size)).astype(np.int64)


def noisy_histogram(
    codes: np.ndarray,
    n_cells: int,
    *,
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator,
    mechanism: HistogramMechanism = "laplace",
    delta: float = 0.0,
    note: str = "",
) -> np.ndarray:
    """Counts of integer ``codes`` in ``[0, n_cells)`` plus noise for (epsilon[, delta])-DP.

    One record is one code, so the count vector has L1 and L2 sensitivity 1.
    ``laplace``: Laplace(1/epsilon); ``geometric``: discrete Laplace (integer
    counts); ``gaussian``: analytic Gaussian sigma for (epsilon, delta), delta > 0.
    """
    where = f"noisy_histogram ({note or 'histogram'})"
    _positive("epsilon", epsilon, where)
    codes = np.asarray(codes)
    if codes.size and (not np.issubdtype(codes.dtype, np.integer) or codes.min() < 0 or codes.max() >= n_cells):
        raise DataError(f"{where}: codes must be integers in [0, {n_cells}); encode values with the public domain")
    if mechanism == "laplace":
        scale = 1.0 / epsilon
        budget.charge("laplace", epsilon=epsilon, note=note, sensitivity=1.0, scale=scale)
        counts = np.bincount(codes, minlength=n_cells).astype(float)
        return counts + rng.laplace(0.0, scale, n_cells)
    if mechanism == "geometric":
        scale = 1.0 / epsilon
        budget.charge("geometric", epsilon=epsilon, note=note, sensitivity=1, scale=scale)
        counts = np.bincount(codes, minlength=n_cells)
        return (counts + discrete_laplace(rng, scale, n_cells)).astype(float)
    if mechanism == "gaussian":
        if not delta > 0:
            raise PrivacyBudgetError(f"{where}: the gaussian mechanism needs delta > 0; pass delta=... or use laplace")
        sigma = analytic_gaussian_sigma(epsilon, delta, 1.0)
        budget.charge("gaussian", epsilon=epsilon, delta=delta, note=note, noise_multiplier=sigma)
        counts = np.bincount(codes, minlength=n_cells).astype(float)
        return counts + rng.normal(0.0, sigma, n_cells)
    raise PrivacyBudgetError(f"{where}: unknown mechanism '{mechanism}'; choose laplace, geometric or gaussian")


def gaussian_noisy_counts(
    counts: np.ndarray,
    *,
    sigma: float,
    budget: BudgetShare,
    rng: np.random.Generator,
    note: str = "",
    delta: float | None = None,
) -> np.ndarray:
    """``counts`` (L2 sensitivity 1) plus N(0, sigma^2) noise; charges a ``gaussian`` event.

    The event's standalone claim is the exact Gaussian epsilon at ``delta`` (the
    delta the caller calibrated ``sigma`` for; default: the share's delta), so
    basic composition stays meaningful; the RDP/PRV accountants compose it from
    ``noise_multiplier=sigma`` regardless.
    """
    where = f"gaussian_noisy_counts ({note or 'counts'})"
    _positive("sigma", sigma, where)
    event_delta = budget.delta if delta is None else float(delta)
    if not 0 < event_delta <= budget.delta:
        raise PrivacyBudgetError(
            f"step '{budget.step}': {where} needs 0 < delta <= the share's delta ({budget.delta:g}); "
            "set the step's privacy delta"
        )
    eps = gaussian_epsilon(sigma, event_delta)
    budget.charge("gaussian", epsilon=eps, delta=event_delta, note=note, noise_multiplier=float(sigma))
    counts = np.asarray(counts, dtype=float)
    return counts + rng.normal(0.0, sigma, counts.shape)


def _clean_values(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return np.clip(x[~np.isnan(x)], lo, hi)


def dp_quantiles(
    values: np.ndarray,
    qs: np.ndarray | list[float],
    *,
    bounds: tuple[float, float],
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator,
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
    return em_quantiles(_clean_values(values, lo, hi), q, lo, hi, eps_each, rng)


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
    rng: np.random.Generator,
    note: str = "",
) -> np.ndarray:
    """Sorted unique bin edges from DP quantiles at ``1/n_bins, ..., (n_bins-1)/n_bins``, plus the bounds."""
    lo, hi = _bounds(bounds, f"dp_bin_edges ({note or 'values'})")
    if n_bins < 1:
        raise DataError(f"dp_bin_edges ({note or 'values'}): n_bins={n_bins} must be >= 1")
    if n_bins == 1:
        return np.array([lo, hi])
    qs = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    inner = dp_quantiles(values, qs, bounds=(lo, hi), budget=budget, epsilon=epsilon, rng=rng, note=note)
    return np.unique(np.concatenate([[lo], inner, [hi]]))


def dp_select_categories(
    values: np.ndarray,
    *,
    budget: BudgetShare,
    epsilon: float,
    delta: float,
    rng: np.random.Generator,
    note: str = "",
) -> list[str]:
    """Categories whose Laplace-noised count clears ``1 + ln(1/(2 delta)) / epsilon`` ((epsilon, delta)-DP).

    For an unknown domain: each record holds one value, so a record changes one
    count by 1; a category present only because of one record is released with
    probability at most delta. Charged as an ``approx`` event. Sorted output.
    """
    where = f"dp_select_categories ({note or 'values'})"
    _positive("epsilon", epsilon, where)
    if not 0 < delta < 1:
        raise PrivacyBudgetError(f"{where}: delta={delta!r}; thresholding needs 0 < delta < 1")
    threshold = 1.0 + math.log(1.0 / (2.0 * delta)) / epsilon
    budget.charge(
        "approx",
        epsilon=epsilon,
        delta=delta,
        note=note,
        mechanism_detail="laplace_threshold",
        scale=1.0 / epsilon,
        threshold=threshold,
    )
    arr = np.asarray(values, dtype=object).ravel()
    keep = np.array([v is not None and not (isinstance(v, float) and math.isnan(v)) for v in arr], dtype=bool)
    cats, counts = np.unique(arr[keep].astype(str), return_counts=True)
    noisy = counts + rng.laplace(0.0, 1.0 / epsilon, cats.size)
    return sorted(str(c) for c in cats[noisy > threshold])


def dp_mean(
    values: np.ndarray,
    *,
    bounds: tuple[float, float],
    budget: BudgetShare,
    epsilon: float,
    rng: np.random.Generator,
    note: str = "",
) -> float:
    """Mean of ``values`` clipped to public ``bounds``: Laplace noisy centred sum / noisy count (epsilon/2 each)."""
    where = f"dp_mean ({note or 'values'})"
    _positive("epsilon", epsilon, where)
    lo, hi = _bounds(bounds, where)
    mid, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    e = epsilon / 2.0
    budget.charge("laplace", epsilon=e, note=f"{note} sum".strip(), sensitivity=half, scale=half / e)
    budget.charge("laplace", epsilon=e, note=f"{note} count".strip(), sensitivity=1.0, scale=1.0 / e)
    x = _clean_values(values, lo, hi)
    noisy_sum = float(np.sum(x - mid)) + rng.laplace(0.0, half / e)
    noisy_n = max(float(x.size) + rng.laplace(0.0, 1.0 / e), 1.0)
    return float(np.clip(mid + noisy_sum / noisy_n, lo, hi))


def dp_covariance(
    X: np.ndarray,
    *,
    clip_norm: float,
    budget: BudgetShare,
    epsilon: float,
    delta: float,
    rng: np.random.Generator,
    note: str = "",
) -> np.ndarray:
    """Covariance matrix of rows of ``X`` clipped to L2 norm ``clip_norm``, by one Gaussian mechanism.

    Releases ``(X^T X / C^2, sum(x) / C, n)`` jointly (L2 sensitivity sqrt(3)
    per record) with the analytic Gaussian sigma for (epsilon, delta), then
    forms ``S/n - m m^T`` and projects onto the PSD cone (post-processing).
    Centre ``X`` with PUBLIC values before calling so clipping loses little.
    """
    where = f"dp_covariance ({note or 'X'})"
    _positive("epsilon", epsilon, where)
    _positive("clip_norm", clip_norm, where)
    if not 0 < delta < 1:
        raise PrivacyBudgetError(f"{where}: delta={delta!r}; the Gaussian mechanism needs 0 < delta < 1")
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or np.isnan(A).any():
        raise DataError(f"{where}: X must be a 2-D array without NaN; impute or drop missing values first")
    sens = math.sqrt(3.0)
    sigma = analytic_gaussian_sigma(epsilon, delta, sens)
    budget.charge("gaussian", epsilon=epsilon, delta=delta, note=note, noise_multiplier=sigma / sens)
    n, d = A.shape
    norms = np.linalg.norm(A, axis=1)
    A = A * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-300))[:, None] / clip_norm
    iu = np.triu_indices(d)
    s2 = (A.T @ A)[iu] + rng.normal(0.0, sigma, iu[0].size)
    s1 = A.sum(axis=0) + rng.normal(0.0, sigma, d)
    nn = max(n + rng.normal(0.0, sigma), 2.0)
    S = np.zeros((d, d))
    S[iu] = s2
    S = S + np.triu(S, 1).T
    m = s1 / nn
    cov = (S / nn - np.outer(m, m)) * clip_norm**2
    w, v = np.linalg.eigh((cov + cov.T) / 2.0)
    return (v * np.maximum(w, 0.0)) @ v.T


def nonnegative_counts(counts: np.ndarray) -> np.ndarray:
    """Post-processing: noisy counts clipped at 0 (spends nothing)."""
    return np.maximum(np.asarray(counts, dtype=float), 0.0)


def nonnegative_normalise(counts: np.ndarray) -> np.ndarray:
    """Post-processing: clip noisy counts at 0 and normalise to probabilities (uniform if all are 0)."""
    c = nonnegative_counts(counts)
    total = c.sum()
    if not total > 0:
        return np.full(c.shape, 1.0 / max(c.size, 1))
    return c / total
