"""Rényi-DP curves of the mechanisms the ledger knows, vectorised over orders.

Each function returns the RDP epsilon ``eps(alpha)`` at every order of
``orders`` (a float array, all orders > 1) for ONE run of the mechanism;
composition multiplies by the repeat count and adds curves. Adjacency is
add/remove one record throughout.

* Poisson-subsampled Gaussian: the exact ``A_alpha`` expansion of Mironov,
  Talwar & Zhang (2019), "Rényi Differential Privacy of the Sampled Gaussian
  Mechanism", Sec. 3.3 (finite sum for integer orders, convergent series with
  erfc weights for fractional orders). Truncation of the fractional series
  follows the same rule as TF-Privacy/opacus (stop after the first term whose
  two parts are both below ``exp(-30)``), so values agree with them.
* Gaussian: ``alpha / (2 sigma^2)``.
* Laplace: Mironov (2017), Prop. 6 (exact).
* Pure eps-DP: the tight bound over all eps-DP mechanisms, attained by
  randomised response: ``log((e^{a e} + e^{(1-a) e}) / (1 + e^e)) / (a - 1)``
  (never above ``min(eps, a eps^2 / 2)``).
* Exponential mechanism (eps-bounded range): ``min(a eps^2 / 8, pure(eps))``
  (Cesar & Rogers 2021: eps-BR implies eps^2/8-zCDP).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = [
    "DEFAULT_ORDERS",
    "OPACUS_ORDERS",
    "exponential_rdp",
    "gaussian_rdp",
    "laplace_rdp",
    "pure_rdp",
    "rdp_to_epsilon",
    "subsampled_gaussian_rdp",
]

#: opacus's default orders (TF-Privacy's classic grid) ...
OPACUS_ORDERS: np.ndarray = np.array([1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)), dtype=float)
#: ... extended with large orders so small epsilons / small deltas are reachable. Extra orders only
#: lower the minimum, so results equal opacus's whenever its optimum is not its largest order (63).
DEFAULT_ORDERS: np.ndarray = np.concatenate([OPACUS_ORDERS, [64.0, 80.0, 96.0, 128.0, 192.0, 256.0, 512.0, 1024.0]])

_STOP = -30.0  # series truncation threshold (log-space), as in TF-Privacy/opacus


def gaussian_rdp(noise_multiplier: float, orders: np.ndarray) -> np.ndarray:
    """RDP of the Gaussian mechanism with ``sigma / L2-sensitivity = noise_multiplier``."""
    if noise_multiplier <= 0:
        return np.full(orders.shape, np.inf)
    return orders / (2.0 * noise_multiplier**2)


def _logsumexp_rows(x: np.ndarray, signs: np.ndarray | None = None) -> np.ndarray:
    """Row-wise log(sum(signs * exp(x))); -inf where the signed sum is not positive."""
    m = np.max(x, axis=1)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - m[:, None])
    total = np.sum(e if signs is None else e * signs, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, np.log(np.where(total > 0, total, 1.0)) + m, -np.inf)


def _log_a_int(q: float, sigma: float, alphas: np.ndarray) -> np.ndarray:
    """log A_alpha for integer orders: a finite binomial sum, evaluated as a logsumexp."""
    amax = int(alphas.max())
    k = np.arange(amax + 1, dtype=float)
    a = alphas[:, None]
    valid = k[None, :] <= a
    with np.errstate(invalid="ignore", divide="ignore"):
        log_binom = special.gammaln(a + 1) - special.gammaln(k + 1) - special.gammaln(np.maximum(a - k, 0) + 1)
        terms = log_binom + k * math.log(q) + (a - k) * math.log1p(-q) + (k * k - k) / (2 * sigma**2)
    terms = np.where(valid, terms, -np.inf)
    return _logsumexp_rows(terms)


def _log_a_frac(q: float, sigma: float, alphas: np.ndarray) -> np.ndarray:
    """log A_alpha for fractional orders: the erfc-weighted series, summed with signs."""
    z0 = sigma**2 * math.log(1 / q - 1) + 0.5
    n_terms = 64
    while True:
        i = np.arange(n_terms, dtype=float)[None, :]
        a = alphas[:, None]
        j = a - i
        coef = special.binom(a, i)
        with np.errstate(divide="ignore"):
            log_coef = np.log(np.abs(coef))
        sign = np.sign(coef)
        log_t0 = log_coef + i * math.log(q) + j * math.log1p(-q)
        log_t1 = log_coef + j * math.log(q) + i * math.log1p(-q)
        log_s0 = log_t0 + (i * i - i) / (2 * sigma**2) + special.log_ndtr((z0 - i) / sigma)
        log_s1 = log_t1 + (j * j - j) / (2 * sigma**2) + special.log_ndtr((j - z0) / sigma)
        stop = np.maximum(log_s0, log_s1) < _STOP
        if stop.any(axis=1).all() or n_terms >= 1 << 20:
            break
        n_terms *= 4
    last = np.where(stop.any(axis=1), np.argmax(stop, axis=1), n_terms - 1)
    keep = np.arange(n_terms)[None, :] <= last[:, None]
    both = np.concatenate([np.where(keep, log_s0, -np.inf), np.where(keep, log_s1, -np.inf)], axis=1)
    signs = np.concatenate([sign, sign], axis=1)
    return _logsumexp_rows(both, signs)


def subsampled_gaussian_rdp(noise_multiplier: float, sample_rate: float, orders: np.ndarray) -> np.ndarray:
    """RDP of one step of the Poisson-subsampled Gaussian mechanism (DP-SGD)."""
    q, sigma = float(sample_rate), float(noise_multiplier)
    if q == 0:
        return np.zeros(orders.shape)
    if sigma == 0:
        return np.full(orders.shape, np.inf)
    if q == 1.0:
        return orders / (2 * sigma**2)
    out = np.empty(orders.shape, dtype=float)
    finite = np.isfinite(orders)
    out[~finite] = np.inf
    is_int = finite & (orders == np.floor(orders))
    is_frac = finite & ~is_int
    if is_int.any():
        out[is_int] = _log_a_int(q, sigma, orders[is_int]) / (orders[is_int] - 1)
    if is_frac.any():
        out[is_frac] = _log_a_frac(q, sigma, orders[is_frac]) / (orders[is_frac] - 1)
    return out


def laplace_rdp(epsilon: float, orders: np.ndarray) -> np.ndarray:
    """RDP of the Laplace mechanism with ``sensitivity / scale = epsilon`` (Mironov 2017, Prop. 6)."""
    if epsilon == 0:
        return np.zeros(orders.shape)
    if not math.isfinite(epsilon):
        return np.full(orders.shape, np.inf)
    a = orders
    # log( a/(2a-1) e^{(a-1)e} + (a-1)/(2a-1) e^{-a e} ), evaluated stably
    log_terms = np.stack([np.log(a / (2 * a - 1)) + (a - 1) * epsilon, np.log((a - 1) / (2 * a - 1)) - a * epsilon])
    val = special.logsumexp(log_terms, axis=0) / (a - 1)
    out: np.ndarray = np.minimum(val, epsilon)
    return out


def pure_rdp(epsilon: float, orders: np.ndarray) -> np.ndarray:
    """Tight RDP bound valid for every eps-DP mechanism (randomised response is the worst case)."""
    if epsilon == 0:
        return np.zeros(orders.shape)
    if not math.isfinite(epsilon):
        return np.full(orders.shape, np.inf)
    a = orders
    log_num = np.logaddexp(a * epsilon, (1 - a) * epsilon)
    val = (log_num - np.logaddexp(0.0, epsilon)) / (a - 1)
    out: np.ndarray = np.minimum(np.minimum(val, epsilon), a * epsilon**2 / 2)
    return out


def exponential_rdp(epsilon: float, orders: np.ndarray) -> np.ndarray:
    """RDP of the exponential mechanism run as an eps-bounded-range (hence eps-DP) mechanism."""
    out: np.ndarray = np.minimum(orders * epsilon**2 / 8.0, pure_rdp(epsilon, orders))
    return out


def rdp_to_epsilon(rdp: np.ndarray, orders: np.ndarray, delta: float) -> tuple[float, float]:
    """Convert an RDP curve to (epsilon, optimal order) at ``delta``.

    Balle et al. (2020), "Hypothesis testing interpretations and Rényi DP",
    Thm. 21: ``eps = rdp(a) + log((a-1)/a) - (log(delta) + log(a)) / (a-1)``,
    minimised over the orders. Returns ``(inf, nan)`` when ``delta <= 0``.
    """
    if delta <= 0:
        return math.inf, math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        eps = rdp - (math.log(delta) + np.log(orders)) / (orders - 1) + np.log((orders - 1) / orders)
    if np.isnan(eps).all():
        return math.inf, math.nan
    idx = int(np.nanargmin(eps))
    return max(0.0, float(eps[idx])), float(orders[idx])
