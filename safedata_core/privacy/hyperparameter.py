"""Private hyperparameter selection: a random number of DP trials, only the best one released.

Papernot & Steinke (2022), "Hyperparameter Tuning with Rényi Differential
Privacy" (ICLR). A base mechanism ``Q`` (one DP trial: draw a configuration
independently of the data, run it, score it with a DP computation) is run ``K``
times, ``K`` drawn at random, and only the best-scoring output is released.
With ``Q`` satisfying ``(lambda, eps(lambda))``-RDP at every order:

* **truncated negative binomial** ``K ~ D(eta, gamma)`` (Thm. 2, ``eta > -1``,
  ``gamma in (0, 1)``; ``eta = 0`` is the logarithmic and ``eta = 1`` the
  geometric distribution): for every ``lambda > 1`` and ``lambda_hat >= 1``
  ``eps'(lambda) = eps(lambda) + (1 + eta) (1 - 1/lambda_hat) eps(lambda_hat)
  + (1 + eta) log(1/gamma) / lambda_hat + log(E[K]) / (lambda - 1)``; we take
  the smallest value over ``lambda_hat`` in the order grid.
* **Poisson** ``K ~ Poisson(mu)`` (Thm. 6; ``K = 0`` releases nothing):
  ``eps'(lambda) = eps(lambda) + mu delta_hat + log(mu) / (lambda - 1)`` where
  ``Q`` is ``(eps_hat, delta_hat)``-DP with ``eps_hat = log(1 + 1/(lambda - 1))``;
  ``delta_hat`` comes from ``Q``'s own RDP curve by the conversion of Canonne,
  Kamath & Steinke (2020, Prop. 12).

The ledger records the whole selection as one ``tuning`` event whose
parameters name the distribution and the base curve (``rho``: ``Q`` is
``rho``-zCDP, i.e. ``eps(lambda) = lambda rho``); the RDP accountant evaluates
:func:`tuning_rdp` for it. :func:`sample_trials` draws ``K`` from the share's
secure noise source (the number of trials is part of the mechanism).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from safedata_core.errors import SafedataError
from safedata_core.privacy import rdp_curves as rc
from safedata_core.privacy.budget import PrivacyEvent

__all__ = [
    "TrialDistribution",
    "calibrate_rho",
    "delta_from_rdp",
    "repeat_and_select_rdp",
    "sample_trials",
    "tuning_epsilon",
    "tuning_event",
    "tuning_rdp",
]

DistributionName = Literal["poisson", "truncated_negative_binomial"]


def _tnb_mean(eta: float, gamma: float) -> float:
    """``E[K]`` of the truncated negative binomial ``D(eta, gamma)``."""
    if eta == 0:
        return (1.0 - gamma) / (gamma * math.log(1.0 / gamma))
    # eta (1 - gamma) / (gamma (1 - gamma^eta)), with -expm1 for accuracy near gamma -> 1
    return eta * (1.0 - gamma) / (gamma * -math.expm1(eta * math.log(gamma)))


def _tnb_gamma(eta: float, mean: float) -> float:
    """The ``gamma`` whose ``D(eta, gamma)`` has mean ``mean`` (the mean decreases in gamma)."""
    if eta == 1:
        return 1.0 / mean
    lo, hi = 1e-300, 1.0 - 1e-15
    for _ in range(200):
        mid = math.sqrt(lo * hi) if hi / lo > 4 else 0.5 * (lo + hi)
        if _tnb_mean(eta, mid) > mean:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * hi:
            break
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class TrialDistribution:
    """How many trials a private tune runs: ``poisson`` (mean ``mean``) or truncated negative binomial.

    For ``truncated_negative_binomial``, ``eta >= 0`` is the shape (0: logarithmic,
    1: geometric) and ``gamma`` is found from ``mean``.
    """

    name: DistributionName = "truncated_negative_binomial"
    mean: float = 5.0
    eta: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean) and self.mean >= 1):
            raise SafedataError(f"tuning trials: mean={self.mean} must be a finite number >= 1")
        if self.name == "truncated_negative_binomial" and not (math.isfinite(self.eta) and self.eta >= 0):
            raise SafedataError(f"tuning trials: eta={self.eta} must be >= 0 (0 logarithmic, 1 geometric)")
        if self.name == "poisson" and self.mean <= 1:
            raise SafedataError("tuning trials: a Poisson number of trials needs mean > 1")

    @property
    def gamma(self) -> float:
        """``gamma`` of the truncated negative binomial (``nan`` for Poisson)."""
        if self.name == "poisson":
            return math.nan
        return _tnb_gamma(self.eta, self.mean)

    def to_params(self) -> dict[str, Any]:
        return {"distribution": self.name, "mean": self.mean, "eta": self.eta}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TrialDistribution:
        name = str(params.get("distribution", "truncated_negative_binomial"))
        if name not in ("poisson", "truncated_negative_binomial"):
            raise SafedataError(f"tuning trials: unknown distribution '{name}' (poisson, truncated_negative_binomial)")
        return cls(name, float(params["mean"]), float(params.get("eta", 1.0)))  # type: ignore[arg-type]


def sample_trials(dist: TrialDistribution, rng: np.random.Generator) -> int:
    """Draw the number of trials ``K`` (Poisson may give 0: then nothing is released)."""
    if dist.name == "poisson":
        return int(rng.poisson(dist.mean))
    gamma = dist.gamma
    if dist.eta == 0:
        return int(rng.logseries(1.0 - gamma))
    while True:  # negative binomial conditioned on K >= 1 (P[K = 0] = gamma^eta < 1)
        draws = rng.negative_binomial(dist.eta, gamma, size=64)
        positive = draws[draws > 0]
        if positive.size:
            return int(positive[0])


def _log_deltas(curve: np.ndarray, orders: np.ndarray, epsilons: np.ndarray) -> np.ndarray:
    """log of the CKS 2020 (Prop. 12) delta at each epsilon, minimised over the orders (not capped at 0)."""
    a = orders[None, :]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_delta = (a - 1) * (curve[None, :] - epsilons[:, None]) + (a - 1) * np.log1p(-1.0 / a) - np.log(a)
    log_delta = np.where(np.isnan(log_delta), np.inf, log_delta)
    out: np.ndarray = np.min(log_delta, axis=1)
    return out


def delta_from_rdp(curve: np.ndarray, orders: np.ndarray, epsilon: float) -> float:
    """Smallest delta such that the RDP ``curve`` gives (epsilon, delta)-DP (CKS 2020, Prop. 12)."""
    log_delta = float(_log_deltas(np.asarray(curve, float), np.asarray(orders, float), np.array([epsilon]))[0])
    return float(math.exp(min(0.0, log_delta)))


def repeat_and_select_rdp(curve: np.ndarray, orders: np.ndarray, dist: TrialDistribution) -> np.ndarray:
    """RDP curve of the best of ``K ~ dist`` runs of a mechanism whose RDP curve is ``curve`` (per order)."""
    curve = np.asarray(curve, dtype=float)
    orders = np.asarray(orders, dtype=float)
    log_mean = math.log(dist.mean)
    if dist.name == "poisson":
        eps_hat = np.log1p(1.0 / (orders - 1.0))
        delta_hat = np.exp(np.minimum(0.0, _log_deltas(curve, orders, eps_hat)))
        out: np.ndarray = curve + dist.mean * delta_hat + log_mean / (orders - 1.0)
        return out
    gamma = dist.gamma
    # min over lambda_hat (every order of the grid) of the lambda-independent middle terms
    middle = (1.0 + dist.eta) * np.min((1.0 - 1.0 / orders) * curve + math.log(1.0 / gamma) / orders)
    out = curve + middle + log_mean / (orders - 1.0)
    return out


def tuning_rdp(params: Mapping[str, Any], orders: np.ndarray) -> np.ndarray:
    """The RDP curve of a ``tuning`` ledger event from its params (``rho`` plus the distribution)."""
    rho = float(params["rho"])
    base = orders * rho
    return repeat_and_select_rdp(base, orders, TrialDistribution.from_params(params))


def tuning_epsilon(rho: float, dist: TrialDistribution, delta: float, orders: np.ndarray | None = None) -> float:
    """Epsilon at ``delta`` of the whole selection when every trial is ``rho``-zCDP (Balle et al. 2020 conversion)."""
    grid = rc.DEFAULT_ORDERS if orders is None else orders
    curve = repeat_and_select_rdp(grid * rho, grid, dist)
    return rc.rdp_to_epsilon(curve, grid, delta)[0]


def calibrate_rho(epsilon: float, delta: float, dist: TrialDistribution) -> float:
    """Largest per-trial zCDP ``rho`` whose whole selection stays within (epsilon, delta) (bisection)."""
    if tuning_epsilon(1e-12, dist, delta) >= epsilon:
        raise SafedataError(
            f"tuning: epsilon={epsilon:g} does not even cover the selection overhead of {dist.mean:g} expected "
            "trials; raise the epsilon or lower the mean number of trials"
        )
    lo, hi = math.log(1e-12), math.log(1e3)
    for _ in range(64):  # bracket width 2^-64 of 37 in log rho: far below 1e-9 relative
        mid = 0.5 * (lo + hi)
        if tuning_epsilon(math.exp(mid), dist, delta) > epsilon:
            hi = mid
        else:
            lo = mid
    return math.exp(lo)


def tuning_event(rho: float, dist: TrialDistribution, delta: float, *, trials: int) -> PrivacyEvent:
    """The ledger event of a whole private selection (``trials``: how many were actually run)."""
    eps = tuning_epsilon(rho, dist, delta)
    params: dict[str, Any] = {"rho": rho, **dist.to_params(), "trials": int(trials)}
    if dist.name == "truncated_negative_binomial":
        params["gamma"] = dist.gamma
    return PrivacyEvent("tuning", eps, delta, 1, params)
