"""The one entry point for DP noise: :func:`add_noise` charges a share and adds exact noise in one call.

A component describes WHAT it releases with a typed mechanism and hands the
exact query answers to :func:`add_noise`; the call records the privacy event
on the step's :class:`~safedata_core.privacy.BudgetShare` (refusing before
touching the values if the share cannot afford it) and returns the noisy
answers drawn from the share's :class:`~safedata_core.privacy.NoiseSource`.
Selections go through :func:`select` (the exponential mechanism).

Mechanisms
----------
* :class:`DiscreteLaplace` / :class:`DiscreteGaussian`: integer queries
  (counts). The noise is exact integer noise (Canonne, Kamath & Steinke 2020);
  non-integer inputs are refused.
* :class:`Laplace` / :class:`Gaussian`: real-valued queries. Values are
  rounded to a public power-of-two grid ``g`` (about 1/1024 of the
  sensitivity per changed coordinate) and exact discrete noise is added on the
  grid, so the output never has the floating-point holes of textbook samplers
  (Mironov 2012). Rounding can move a neighbour's answer by one grid step per
  coordinate a record changes, so the grid-unit sensitivity is
  ``floor(sensitivity/g) + changed`` (L1) or ``sensitivity/g + sqrt(changed)``
  (L2), and the noise is scaled to that: the charged epsilon (or noise
  multiplier) is exactly the one requested, at a utility cost of about 0.1%.
* :class:`Exponential`: one selection with probability proportional to
  ``exp(epsilon * score / (2 * sensitivity))`` by the Gumbel-max trick with
  draws from the share's secure generator.

Adjacency is add/remove one record; sensitivities are public declarations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy.budget import PrivacyEvent
from safedata_core.privacy.samplers import discrete_gaussian, discrete_laplace

if TYPE_CHECKING:
    from safedata_core.privacy.ledger import BudgetShare

__all__ = [
    "DiscreteGaussian",
    "DiscreteLaplace",
    "Exponential",
    "Gaussian",
    "Laplace",
    "NoiseMechanism",
    "add_noise",
    "gaussian_event_epsilon",
    "gaussian_multiplier",
    "select",
]

_GRID_STEPS = 1024  # grid steps per unit of sensitivity and changed coordinate
_EXACT_INT = float(2**52)


def _check_positive(name: str, value: float, where: str) -> None:
    if not (value > 0) or not math.isfinite(value):
        raise PrivacyBudgetError(f"{where}: {name}={value!r} must be a finite number > 0")


def gaussian_event_epsilon(noise_multiplier: float, delta: float) -> float:
    """Standalone epsilon of one (discrete) Gaussian release at ``delta``, from its RDP curve.

    Valid for the discrete Gaussian with integer shifts (its Rényi divergence is
    at most the continuous one's, CKS 2020 Prop. 5), used for basic composition.
    """
    from safedata_core.privacy import rdp_curves as rc

    if not 0 < delta < 1:
        return math.inf
    curve = rc.gaussian_rdp(noise_multiplier, rc.DEFAULT_ORDERS)
    eps, _ = rc.rdp_to_epsilon(curve, rc.DEFAULT_ORDERS, delta)
    return float(eps)


def gaussian_multiplier(epsilon: float, delta: float) -> float:
    """Smallest noise multiplier (sigma / L2 sensitivity) whose :func:`gaussian_event_epsilon` is <= ``epsilon``.

    Bisection on the exact RDP conversion; the result never exceeds the target.
    """
    if not (epsilon > 0 and 0 < delta < 1):
        raise PrivacyBudgetError(f"a Gaussian release needs epsilon > 0 and 0 < delta < 1, got ({epsilon}, {delta})")
    lo, hi = 1e-3, 1.0
    while gaussian_event_epsilon(hi, delta) > epsilon:
        lo, hi = hi, hi * 2
        if hi > 1e7:
            raise PrivacyBudgetError(f"epsilon={epsilon:g} at delta={delta:g} needs an unbounded noise multiplier")
    for _ in range(60):
        mid = (lo + hi) / 2
        if gaussian_event_epsilon(mid, delta) > epsilon:
            lo = mid
        else:
            hi = mid
    return hi


def _grid(sensitivity: float, changed: int) -> float:
    """Public power-of-two grid for a real-valued query: about sensitivity / (1024 * changed)."""
    return 2.0 ** math.floor(math.log2(sensitivity / (_GRID_STEPS * changed)))


def _to_grid(values: np.ndarray, g: float, where: str) -> np.ndarray:
    scaled = values / g
    if not np.all(np.isfinite(scaled)) or (scaled.size and np.max(np.abs(scaled)) >= _EXACT_INT):
        raise PrivacyBudgetError(
            f"{where}: values must be finite and below {_EXACT_INT * g:.3g} in magnitude on the noise grid; "
            "clip the query to public bounds first"
        )
    return np.rint(scaled).astype(np.int64)


def _integers(values: np.ndarray, where: str) -> np.ndarray:
    if values.size and (not np.all(np.isfinite(values)) or not np.array_equal(values, np.rint(values))):
        raise PrivacyBudgetError(
            f"{where}: discrete noise needs integer query answers (counts); use Laplace/Gaussian for real values"
        )
    if values.size and np.max(np.abs(values)) >= _EXACT_INT:
        raise PrivacyBudgetError(f"{where}: counts above 2**52 cannot be noised exactly")
    return values.astype(np.int64)


@dataclass(frozen=True)
class DiscreteLaplace:
    """Integer query of L1 sensitivity ``sensitivity`` (an integer): epsilon-DP with discrete Laplace noise."""

    sensitivity: int
    epsilon: float

    def event(self, share: BudgetShare | None = None) -> PrivacyEvent:
        sens = int(self.sensitivity)
        return PrivacyEvent(
            "geometric", float(self.epsilon), 0.0, 1, {"sensitivity": sens, "scale": sens / self.epsilon}
        )

    def _validate(self, where: str) -> None:
        _check_positive("epsilon", self.epsilon, where)
        if int(self.sensitivity) != self.sensitivity or self.sensitivity < 1:
            raise PrivacyBudgetError(f"{where}: sensitivity={self.sensitivity!r} must be a positive integer")

    def _noisy(self, values: np.ndarray, rng: np.random.Generator, where: str) -> np.ndarray:
        x = _integers(values, where)
        out: np.ndarray = (x + discrete_laplace(int(self.sensitivity) / self.epsilon, x.shape, rng)).astype(float)
        return out


@dataclass(frozen=True)
class DiscreteGaussian:
    """Integer query of L2 sensitivity ``sensitivity``: exact discrete Gaussian noise of std ``sigma``.

    Charged as a ``discrete_gaussian`` event with ``noise_multiplier = sigma / sensitivity``;
    its standalone (epsilon, delta) is computed at ``delta`` (default: the share's delta).
    ``changed`` is how many coordinates one record can change (1 for a histogram).
    """

    sigma: float
    sensitivity: float = 1.0
    delta: float | None = None
    changed: int = 1

    def event(self, share: BudgetShare | None = None) -> PrivacyEvent:
        nm = self.sigma / self.sensitivity
        delta = self.delta if self.delta is not None else (share.delta if share is not None else 0.0)
        eps = gaussian_event_epsilon(nm, delta)
        params = {"noise_multiplier": nm, "sigma": self.sigma, "sensitivity": self.sensitivity, "changed": self.changed}
        return PrivacyEvent("discrete_gaussian", eps, float(delta), 1, params)

    def _validate(self, where: str) -> None:
        _check_positive("sigma", self.sigma, where)
        _check_positive("sensitivity", self.sensitivity, where)

    def _noisy(self, values: np.ndarray, rng: np.random.Generator, where: str) -> np.ndarray:
        x = _integers(values, where)
        out: np.ndarray = (x + discrete_gaussian(self.sigma, x.shape, rng)).astype(float)
        return out


@dataclass(frozen=True)
class Laplace:
    """Real-valued query of L1 sensitivity ``sensitivity``: epsilon-DP, exact noise on a public grid.

    ``changed``: how many coordinates one record can change (``None``: all of them).
    """

    sensitivity: float
    epsilon: float
    changed: int | None = None

    def _plan(self, size: int) -> tuple[float, int]:
        k = max(1, self.changed if self.changed is not None else size)
        g = _grid(self.sensitivity, k)
        return g, math.floor(self.sensitivity / g) + k

    def event(self, share: BudgetShare | None = None, size: int = 1) -> PrivacyEvent:
        g, sens_int = self._plan(size)
        params = {
            "sensitivity": sens_int,
            "scale": sens_int / self.epsilon,
            "grid": g,
            "real_sensitivity": self.sensitivity,
        }
        return PrivacyEvent("geometric", float(self.epsilon), 0.0, 1, params)

    def _validate(self, where: str) -> None:
        _check_positive("epsilon", self.epsilon, where)
        _check_positive("sensitivity", self.sensitivity, where)

    def _noisy(self, values: np.ndarray, rng: np.random.Generator, where: str) -> np.ndarray:
        g, sens_int = self._plan(values.size)
        x = _to_grid(values, g, where)
        out: np.ndarray = (x + discrete_laplace(sens_int / self.epsilon, x.shape, rng)).astype(float) * g
        return out


@dataclass(frozen=True)
class Gaussian:
    """Real-valued query of L2 sensitivity ``sensitivity`` with noise std ``sigma``, exact on a public grid."""

    sigma: float
    sensitivity: float = 1.0
    delta: float | None = None
    changed: int | None = None

    def _plan(self, size: int) -> tuple[float, float]:
        k = max(1, self.changed if self.changed is not None else size)
        g = _grid(self.sensitivity, k)
        sens_grid = self.sensitivity / g + math.sqrt(k)
        return g, (self.sigma / self.sensitivity) * sens_grid

    def event(self, share: BudgetShare | None = None, size: int = 1) -> PrivacyEvent:
        g, _ = self._plan(size)
        nm = self.sigma / self.sensitivity
        delta = self.delta if self.delta is not None else (share.delta if share is not None else 0.0)
        params = {"noise_multiplier": nm, "sigma": self.sigma, "sensitivity": self.sensitivity, "grid": g}
        return PrivacyEvent("discrete_gaussian", gaussian_event_epsilon(nm, delta), float(delta), 1, params)

    def _validate(self, where: str) -> None:
        _check_positive("sigma", self.sigma, where)
        _check_positive("sensitivity", self.sensitivity, where)

    def _noisy(self, values: np.ndarray, rng: np.random.Generator, where: str) -> np.ndarray:
        g, sigma_grid = self._plan(values.size)
        x = _to_grid(values, g, where)
        out: np.ndarray = (x + discrete_gaussian(sigma_grid, x.shape, rng)).astype(float) * g
        return out


NoiseMechanism = DiscreteLaplace | DiscreteGaussian | Laplace | Gaussian


def _event_for(mechanism: NoiseMechanism, share: BudgetShare, size: int) -> PrivacyEvent:
    if isinstance(mechanism, Laplace | Gaussian):
        return mechanism.event(share, size)
    return mechanism.event(share)


def add_noise(
    share: BudgetShare, mechanism: NoiseMechanism, values: np.ndarray | float, *, note: str = ""
) -> np.ndarray:
    """Charge ``share`` for ``mechanism`` on ``values`` and return the noisy values (float array, same shape).

    Raises :class:`~safedata_core.PrivacyBudgetError` before reading ``values`` when the
    share cannot afford the event or the parameters are invalid.
    """
    where = f"step '{share.step}': {share.component} ({note or type(mechanism).__name__})"
    mechanism._validate(where)
    x = np.asarray(values, dtype=float)
    event = _event_for(mechanism, share, x.size)
    if event.mechanism == "discrete_gaussian" and not event.delta > 0:
        raise PrivacyBudgetError(
            f"{where}: Gaussian noise needs delta > 0 but the step's share has delta={share.delta:g}; "
            "give the step a delta (privacy: {epsilon: ..., delta: ...}) or use Laplace noise"
        )
    if event.delta > share.delta * (1 + 1e-12):
        raise PrivacyBudgetError(
            f"{where}: needs delta={event.delta:g} but the step's share has delta={share.delta:g}; "
            "give the step a delta (privacy: {epsilon: ..., delta: ...})"
        )
    share.record(event, note=note)
    return mechanism._noisy(x, share.noise.generator, where).reshape(x.shape)


@dataclass(frozen=True)
class Exponential:
    """One selection among candidates, P(i) proportional to exp(epsilon * score_i / (2 * sensitivity)).

    epsilon-DP and epsilon-bounded-range; the RDP accountant composes it as (eps^2/8)-zCDP.
    ``count`` independent selections can be charged at once with :func:`select` ``(..., count=...)``.
    """

    epsilon: float
    sensitivity: float = 1.0

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        logits = self.epsilon * np.asarray(scores, dtype=float).ravel() / (2 * self.sensitivity)
        logits = logits - logits.max()
        p = np.exp(logits)
        out: np.ndarray = p / p.sum()
        return out

    def event(self, count: int = 1) -> PrivacyEvent:
        params = {"epsilon_each": self.epsilon, "sensitivity": self.sensitivity}
        return PrivacyEvent("exponential", float(self.epsilon) * count, 0.0, int(count), params)


def select(share: BudgetShare, mechanism: Exponential, scores: np.ndarray, *, note: str = "") -> int:
    """Charge ``share`` for one exponential-mechanism selection over ``scores`` and return the chosen index."""
    where = f"step '{share.step}': {share.component} ({note or 'selection'})"
    _check_positive("epsilon", mechanism.epsilon, where)
    _check_positive("sensitivity", mechanism.sensitivity, where)
    u = np.asarray(scores, dtype=float).ravel()
    if u.size == 0 or not np.all(np.isfinite(u)):
        raise PrivacyBudgetError(f"{where}: scores must be a non-empty array of finite numbers")
    share.record(mechanism.event(), note=note)
    logits = mechanism.epsilon * u / (2 * mechanism.sensitivity)
    return int(np.argmax(logits + share.noise.generator.gumbel(size=u.size)))
