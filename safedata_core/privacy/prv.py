"""The ``prv`` accountant: numerical composition of privacy-loss distributions.

Every event is turned into its privacy-loss distribution (PLD, equivalently the
privacy random variable of Gopi, Lee & Wutschitz 2021) with the pessimistic,
discretised constructions of Google's ``dp_accounting`` package (Meiser &
Mohammadi 2018; Doroshenko et al. 2022), composed by FFT convolution and read
off at the target delta. The result is an upper bound on the true epsilon
(discretisation errs on the safe side) and is typically 5-15% below RDP for
DP-SGD.

``dp_accounting`` is imported lazily, on the first call.

Event mapping (add/remove adjacency): ``subsampled_gaussian`` -> Poisson
subsampled Gaussian PLD; ``gaussian``; ``laplace``; ``geometric`` -> discrete
Laplace; ``exponential``, ``pure``, ``approx`` and events without usable
parameters -> the worst-case PLD of an (epsilon, delta)-DP mechanism
(``from_privacy_parameters``), which is valid for any such mechanism.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from safedata_core.privacy.accountants import Accountant, register_accountant
from safedata_core.privacy.budget import PrivacyEvent

__all__ = ["PRVAccountant"]


def _f(params: Any, name: str) -> float | None:
    value = params.get(name)
    return None if value is None else float(value)


class PRVAccountant(Accountant):
    """PLD/PRV accountant (tight numerical composition; pessimistic discretisation)."""

    name = "prv"

    def __init__(self, value_discretization_interval: float = 1e-4) -> None:
        self.vdi = value_discretization_interval

    def _event_pld(self, event: PrivacyEvent) -> Any:
        from dp_accounting.pld import common
        from dp_accounting.pld import privacy_loss_distribution as pld

        p, kind, vdi = event.params, event.mechanism, self.vdi
        one: Any = None
        if kind == "subsampled_gaussian":
            sigma, q = _f(p, "noise_multiplier"), _f(p, "sample_rate")
            if sigma is not None and q is not None:
                if q == 0:
                    return None
                one = pld.from_gaussian_mechanism(sigma, sampling_prob=q, value_discretization_interval=vdi)
        elif kind == "gaussian":
            sigma = _f(p, "noise_multiplier")
            if sigma is not None:
                one = pld.from_gaussian_mechanism(sigma, value_discretization_interval=vdi)
        elif kind == "discrete_gaussian":
            sigma, sens = _f(p, "sigma"), _f(p, "sensitivity")
            if sigma is not None and sens is not None and sens == int(sens) and int(_f(p, "changed") or 0) == 1:
                one = pld.from_discrete_gaussian_mechanism(
                    sigma, sensitivity=int(sens), value_discretization_interval=vdi
                )
        elif kind == "laplace":
            sens, scale = _f(p, "sensitivity"), _f(p, "scale")
            if sens is not None and scale:
                one = pld.from_laplace_mechanism(scale / sens, value_discretization_interval=vdi)
        elif kind == "geometric":
            sens, scale = _f(p, "sensitivity"), _f(p, "scale")
            if sens is not None and scale and sens == int(sens) and sens > 0:
                one = pld.from_discrete_laplace_mechanism(
                    1.0 / scale, sensitivity=int(sens), value_discretization_interval=vdi
                )
        elif kind in ("exponential", "pure") and event.delta == 0:
            each = _f(p, "epsilon_each")
            eps = each if each is not None else event.epsilon / max(event.count, 1)
            one = pld.from_privacy_parameters(common.DifferentialPrivacyParameters(eps, 0.0), vdi)
        if one is not None:
            return one.self_compose(event.count) if event.count > 1 else one
        # generic (eps, delta) claim covering all repetitions
        if event.epsilon == 0 and event.delta == 0:
            return None
        return pld.from_privacy_parameters(common.DifferentialPrivacyParameters(event.epsilon, event.delta), vdi)

    def epsilon(self, events: Sequence[PrivacyEvent], delta: float) -> float:
        if delta <= 0:
            return math.inf
        total: Any = None
        for event in events:
            one = self._event_pld(event)
            if one is None:
                continue
            total = one if total is None else total.compose(one)
        if total is None:
            return 0.0
        return max(0.0, float(total.get_epsilon_for_delta(delta)))


register_accountant(PRVAccountant)
