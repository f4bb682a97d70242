"""Privacy budgets and the events that spend them.

A :class:`Budget` is an (epsilon, delta) pair. A :class:`PrivacyEvent` records
one DP computation with enough parameters for an accountant to compose it
exactly (noise multiplier, sample rate, steps, ...), plus the standalone
(epsilon, delta) guarantee it has on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

MechanismKind = Literal[
    "laplace",  # params: sensitivity, scale            (pure eps = sensitivity / scale)
    "geometric",  # params: sensitivity, scale          (discrete Laplace, pure eps)
    "gaussian",  # params: noise_multiplier (= sigma / L2 sensitivity)
    "discrete_gaussian",  # params: noise_multiplier, sigma, sensitivity (exact integer noise, CKS 2020)
    "subsampled_gaussian",  # params: noise_multiplier, sample_rate (Poisson)
    "exponential",  # params: epsilon_each (per selection; count = selections) (eps-bounded-range, eps^2/8 zCDP)
    "pure",  # any other eps-DP computation (count identical runs; optional param epsilon_each)
    "approx",  # any other (eps, delta)-DP computation: composed by basic composition
    "tuning",  # params: rho, distribution, mean, eta (best of a random number of rho-zCDP trials; hyperparameter.py)
]

__all__ = ["Budget", "MechanismKind", "PrivacyEvent"]


@dataclass(frozen=True)
class Budget:
    """An (epsilon, delta) privacy budget. ``epsilon=inf`` means no DP guarantee."""

    epsilon: float
    delta: float = 0.0

    def __post_init__(self) -> None:
        if not (self.epsilon >= 0) or math.isnan(self.epsilon):
            raise ValueError(f"epsilon must be >= 0, got {self.epsilon}")
        if not 0 <= self.delta < 1:
            raise ValueError(f"delta must be in [0, 1), got {self.delta}")

    def to_dict(self) -> dict[str, float]:
        return {"epsilon": self.epsilon, "delta": self.delta}


@dataclass(frozen=True)
class PrivacyEvent:
    """One DP computation, repeated ``count`` times (e.g. DP-SGD steps).

    ``epsilon``/``delta`` is the guarantee of all ``count`` repetitions together
    as claimed by the component (used for basic composition); ``params`` lets an
    accountant compose the event more tightly.
    """

    mechanism: MechanismKind
    epsilon: float
    delta: float = 0.0
    count: int = 1
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mechanism": self.mechanism,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "count": self.count,
            "params": dict(self.params),
        }
