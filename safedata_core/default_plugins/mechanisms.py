"""Built-in DP mechanisms: ``laplace``, ``gaussian``, ``geometric``, ``exponential``.

Each perturbs an array of query answers whose sensitivity is a Param (never
learned from the data) through :func:`safedata_core.privacy.add_noise` (exact
discrete noise from the share's secure noise source; the ``rng`` argument is
ignored) and spends the budget share it is given: by default all
of what is left of it (``epsilon`` / ``delta`` Params spend a fixed amount
instead). The charge is recorded with the exact mechanism parameters so the
ledger's accountant composes it tightly. Table releases go through the
``dp_aggregate`` step.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Mechanism
from safedata_core.errors import PrivacyBudgetError
from safedata_core.hookspecs import hookimpl
from safedata_core.privacy.ledger import BudgetShare
from safedata_core.privacy.noising import (
    DiscreteLaplace,
    Exponential,
    Gaussian,
    Laplace,
    add_noise,
    gaussian_multiplier,
    select,
)

__all__ = ["ExponentialMechanism", "GaussianMechanism", "GeometricMechanism", "LaplaceMechanism"]


class _PureParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sensitivity: float = Field(gt=0, description="L1 sensitivity of the whole query vector (public, declared).")
    epsilon: float | None = Field(None, gt=0, description="Epsilon to spend; default: all that is left of the share.")


def _epsilon(budget: BudgetShare, wanted: float | None, name: str) -> float:
    eps = budget.remaining_epsilon() if wanted is None else wanted
    if not eps > 0:
        raise PrivacyBudgetError(
            f"step '{budget.step}': mechanism '{name}' has no epsilon left in its share; raise the step's share"
        )
    return float(eps)


class _AdditiveMechanism(Mechanism):
    """A pure epsilon-DP mechanism adding ``noise(sensitivity, epsilon)`` to each value (subclasses set ``noise``)."""

    noise: ClassVar[type[Laplace] | type[DiscreteLaplace]]

    def randomise(
        self, values: np.ndarray, *, budget: BudgetShare, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        eps = _epsilon(budget, self.params.epsilon, self.name)
        return add_noise(budget, self.noise(self.params.sensitivity, eps), values, note=self.name)


class LaplaceMechanism(_AdditiveMechanism):
    """Laplace mechanism: adds Laplace(sensitivity / epsilon) noise to each value.

    **Privacy guarantee**: epsilon-DP (add/remove one record) for a query whose
    L1 sensitivity over the whole vector is at most ``sensitivity``.

    **Assumptions**: ``sensitivity`` is declared from public knowledge (clip
    contributions first); noise is drawn from the step's noise generator.

    **Example**::

        mech = LaplaceMechanism({"sensitivity": 1.0})
        noisy = mech.randomise(counts, budget=share)
    """

    name = "laplace"
    Params = _PureParams
    noise = Laplace


class GeometricParams(_PureParams):
    sensitivity: int = Field(gt=0, description="Integer L1 sensitivity of the count vector (public, declared).")


class GeometricMechanism(_AdditiveMechanism):
    """Geometric (discrete Laplace) mechanism for integer counts: exact integer noise.

    Adds K with P(K = k) proportional to exp(-epsilon |k| / sensitivity), sampled
    exactly as the difference of two geometric variables; outputs stay integers.

    **Privacy guarantee**: epsilon-DP for integer queries of L1 sensitivity
    ``sensitivity`` (Ghosh, Roughgarden & Sundararajan 2009).

    **Assumptions**: inputs are integer counts (non-integer values are refused:
    rounding them could double the sensitivity); ``sensitivity`` is public.

    **Example**::

        noisy = GeometricMechanism({"sensitivity": 1}).randomise(counts, budget=share)
    """

    name = "geometric"
    Params = GeometricParams
    noise = DiscreteLaplace


class GaussianParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sensitivity: float = Field(gt=0, description="L2 sensitivity of the whole query vector (public, declared).")
    epsilon: float | None = Field(None, gt=0, description="Epsilon to spend; default: all that is left of the share.")
    delta: float | None = Field(
        None, gt=0, lt=1, description="Delta to spend; default: all the delta that is left of the share."
    )


class GaussianMechanism(Mechanism):
    """Gaussian mechanism with the analytic calibration of Balle & Wang (2018).

    sigma is the smallest value for which N(0, sigma^2) noise is exactly
    (epsilon, delta)-DP for the declared L2 sensitivity (found numerically from
    the Gaussian privacy profile, not the classic sqrt(2 ln(1.25/delta)) bound).

    **Privacy guarantee**: (epsilon, delta)-DP (add/remove one record); charged
    as a ``gaussian`` event with ``noise_multiplier = sigma / sensitivity`` so the
    RDP/PRV accountants compose repeated uses tightly.

    **Assumptions**: ``sensitivity`` is the public L2 sensitivity; delta > 0.

    **Example**::

        noisy = GaussianMechanism({"sensitivity": 1.0}).randomise(counts, budget=share)
    """

    name = "gaussian"
    Params = GaussianParams

    def sigma(self, epsilon: float, delta: float) -> float:
        """Noise std giving exactly (epsilon, delta) for the declared L2 sensitivity (exact discrete noise)."""
        return float(gaussian_multiplier(epsilon, delta) * self.params.sensitivity)

    def randomise(
        self, values: np.ndarray, *, budget: BudgetShare, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        eps = _epsilon(budget, self.params.epsilon, self.name)
        delta = budget.remaining_delta() if self.params.delta is None else self.params.delta
        if not delta > 0:
            raise PrivacyBudgetError(
                f"step '{budget.step}': mechanism 'gaussian' needs delta > 0 but the share has none left; "
                "give the step a delta or use the laplace mechanism"
            )
        return add_noise(
            budget, Gaussian(self.sigma(eps, delta), self.params.sensitivity, delta), values, note=self.name
        )


class ExponentialMechanism(Mechanism):
    """Exponential mechanism: picks one candidate with probability proportional to exp(eps u / (2 sensitivity)).

    ``values`` are the candidates' utility scores; the output has the same
    shape, 1.0 at the selected candidate and 0.0 elsewhere (``argmax`` gives
    its index). Sampled with the Gumbel-max trick from the secure noise source.

    **Privacy guarantee**: epsilon-DP and epsilon-bounded-range (McSherry &
    Talwar 2007; Durfee & Rogers 2019), charged as ``exponential`` so RDP
    composes it as (eps^2 / 8)-zCDP (Cesar & Rogers 2021).

    **Assumptions**: ``sensitivity`` bounds how much any candidate's utility
    changes when one record is added or removed; the candidate set is public.

    **Example**::

        onehot = ExponentialMechanism({"sensitivity": 1.0}).randomise(scores, budget=share)
        choice = int(onehot.argmax())
    """

    name = "exponential"
    Params = _PureParams

    def probabilities(self, values: np.ndarray, epsilon: float) -> np.ndarray:
        """Selection probabilities (for tests and reports; computing them spends nothing by itself)."""
        return Exponential(epsilon, self.params.sensitivity).probabilities(values).reshape(np.shape(values))

    def randomise(
        self, values: np.ndarray, *, budget: BudgetShare, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        u = np.asarray(values, dtype=float)
        if u.size == 0 or not np.isfinite(u).all():
            raise PrivacyBudgetError("mechanism 'exponential': utilities must be a non-empty array of finite numbers")
        eps = _epsilon(budget, self.params.epsilon, self.name)
        idx = select(budget, Exponential(eps, self.params.sensitivity), u, note=self.name)
        out = np.zeros(u.size)
        out[idx] = 1.0
        return out.reshape(u.shape)


@hookimpl
def register_mechanisms(register: Any) -> None:
    register(LaplaceMechanism)
    register(GaussianMechanism)
    register(GeometricMechanism)
    register(ExponentialMechanism)
