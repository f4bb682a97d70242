"""The ``rdp`` accountant: Rényi-DP composition of every :data:`MechanismKind`.

Each event contributes ``count`` times its RDP curve (see
:mod:`safedata_core.privacy.rdp_curves`); curves add up and are converted to
(epsilon, delta) with the Balle et al. (2020) bound over opacus's default
orders, so DP-SGD values match opacus/TF-Privacy. Events of kind ``approx``
(or events lacking the parameters their kind needs) cannot be expressed in
RDP: they are composed by basic composition on top, and their deltas are
reserved out of the total delta before the RDP part is converted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from safedata_core.privacy import rdp_curves as rc
from safedata_core.privacy.accountants import Accountant, register_accountant
from safedata_core.privacy.budget import PrivacyEvent

__all__ = ["RDPAccountant", "event_rdp"]


def _param(params: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        value = params.get(name)
        if value is not None:
            return float(value)
    return None


def _per_run_epsilon(event: PrivacyEvent) -> float:
    """Epsilon of one repetition: ``params['epsilon_each']`` or the event's epsilon split over ``count``."""
    each = _param(event.params, "epsilon_each", "epsilon")
    return each if each is not None else event.epsilon / max(event.count, 1)


def event_rdp(event: PrivacyEvent, orders: np.ndarray) -> np.ndarray | None:
    """RDP curve of all ``event.count`` repetitions of ``event``, or ``None`` if it has none."""
    p = event.params
    kind = event.mechanism
    curve: np.ndarray | None = None
    if kind == "subsampled_gaussian":
        sigma, q = _param(p, "noise_multiplier"), _param(p, "sample_rate")
        if sigma is not None and q is not None:
            curve = rc.subsampled_gaussian_rdp(sigma, q, orders)
    elif kind in ("gaussian", "discrete_gaussian"):
        # the discrete Gaussian's Renyi divergence for integer shifts is at most the continuous one's
        sigma = _param(p, "noise_multiplier")
        if sigma is not None:
            curve = rc.gaussian_rdp(sigma, orders)
    elif kind == "laplace":
        sens, scale = _param(p, "sensitivity"), _param(p, "scale")
        if sens is not None and scale is not None and scale > 0:
            curve = rc.laplace_rdp(sens / scale, orders)
    elif kind == "geometric":
        sens, scale = _param(p, "sensitivity"), _param(p, "scale")
        if sens is not None and scale is not None and scale > 0:
            curve = rc.pure_rdp(sens / scale, orders)
    elif kind == "exponential":
        curve = rc.exponential_rdp(_per_run_epsilon(event), orders)
    elif kind == "tuning" and "rho" in p and "mean" in p:
        from safedata_core.privacy.hyperparameter import tuning_rdp

        curve = tuning_rdp(p, orders)
    if curve is None and kind in ("pure", "laplace", "geometric") and event.delta == 0:
        # pure eps-DP claim without usable parameters: identical repetitions, event.epsilon covers all
        curve = rc.pure_rdp(_per_run_epsilon(event), orders)
    if curve is None:
        return None
    return curve * event.count


class RDPAccountant(Accountant):
    """Rényi-DP accountant (Mironov 2017; Mironov, Talwar & Zhang 2019; Balle et al. 2020 conversion)."""

    name = "rdp"

    def __init__(self, orders: Sequence[float] | None = None) -> None:
        self.orders = rc.DEFAULT_ORDERS if orders is None else np.asarray(orders, dtype=float)

    def rdp(self, events: Sequence[PrivacyEvent]) -> tuple[np.ndarray, float, float]:
        """The summed RDP curve, plus the (epsilon, delta) of events composed by basic composition."""
        total = np.zeros(self.orders.shape)
        approx_eps = approx_delta = 0.0
        for event in events:
            curve = event_rdp(event, self.orders)
            if curve is None:
                approx_eps += event.epsilon
                approx_delta += event.delta
            else:
                total = total + curve
        return total, approx_eps, approx_delta

    def epsilon(self, events: Sequence[PrivacyEvent], delta: float) -> float:
        total, approx_eps, approx_delta = self.rdp(events)
        has_rdp = len(events) > 0 and any(event_rdp(e, self.orders[:1]) is not None for e in events)
        if approx_delta > delta * (1 + 1e-12):
            return math.inf
        if not has_rdp:
            return approx_eps
        eps, _ = rc.rdp_to_epsilon(total, self.orders, delta - approx_delta)
        return eps + approx_eps

    def epsilon_and_order(self, events: Sequence[PrivacyEvent], delta: float) -> tuple[float, float]:
        """Epsilon of the RDP part alone and the order attaining it (for reports and tests)."""
        total, _, _ = self.rdp(events)
        return rc.rdp_to_epsilon(total, self.orders, delta)


register_accountant(RDPAccountant)
