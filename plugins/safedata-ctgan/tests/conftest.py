"""Fixtures of the ctgan tests: shares with test-only reproducible noise, an independent epsilon recomputation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from safedata_core.privacy import NoiseSource, rdp_curves
from safedata_core.testing import make_budget


@pytest.fixture
def reproducible_budget() -> Callable[..., Any]:
    """``reproducible_budget(epsilon, delta, noise_seed)``: a share whose DP noise replays from ``noise_seed``."""

    def make(epsilon: float, delta: float, noise_seed: int) -> Any:
        budget = make_budget(epsilon, delta)
        budget.noise = NoiseSource.reproducible(noise_seed)
        return budget

    return make


def _independent_epsilon(budget: Any) -> float:
    """The step's epsilon recomputed from the charged PARAMETERS only (not the ledger, not the events' epsilons).

    RDP curves per mechanism from their parameters, summed and converted at the share's delta minus the
    deltas of the events composed by basic composition (``approx``); then the min with basic composition of
    each event's own epsilon, also recomputed from its parameters.
    """
    orders = rdp_curves.DEFAULT_ORDERS
    curve = np.zeros(orders.shape)
    basic, approx_eps, approx_delta = 0.0, 0.0, 0.0
    for charge in budget.charges:
        e, p = charge.event, charge.event.params
        if e.mechanism == "geometric":
            eps = p["sensitivity"] / p["scale"]
            curve = curve + rdp_curves.pure_rdp(eps, orders)
            basic += eps
        elif e.mechanism == "subsampled_gaussian":
            sgd = rdp_curves.subsampled_gaussian_rdp(p["noise_multiplier"], p["sample_rate"], orders) * p["steps"]
            curve = curve + sgd
            basic += rdp_curves.rdp_to_epsilon(sgd, orders, e.delta)[0]
        elif e.mechanism == "approx":  # thresholded selection: (1/scale, delta)
            approx_eps += 1 / p["scale"]
            approx_delta += e.delta
        else:
            raise AssertionError(f"unexpected mechanism {e.mechanism}")
    rdp_eps = rdp_curves.rdp_to_epsilon(curve, orders, budget.delta - approx_delta)[0] + approx_eps
    return min(rdp_eps, basic + approx_eps)


@pytest.fixture
def independent_epsilon() -> Callable[[Any], float]:
    """The step's epsilon recomputed from the charged parameters (see :func:`_independent_epsilon`)."""
    return _independent_epsilon
