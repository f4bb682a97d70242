"""The per-trial zCDP cap: refuses charges above alpha * rho at any order; compose fills the cap."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import DiscreteGaussian, DiscreteLaplace, add_noise
from safedata_core.tune.capped import capped_share, rho_epsilon


def test_gaussian_charges_fill_the_cap_exactly_and_no_further() -> None:
    share = capped_share("synth", "x", rho=0.02, delta=1e-6)
    assert share.epsilon == pytest.approx(rho_epsilon(0.02, 1e-6))
    half = DiscreteGaussian(sigma=1.0 / np.sqrt(2 * 0.01), sensitivity=1.0, delta=1e-6)  # rho = 0.01 each
    add_noise(share, half, np.array([3, 4]), note="a")
    # half the cap used: at least half the epsilon (and the ledger's own composition), not all of it
    assert share.epsilon / 2 <= share.compose() < share.epsilon
    add_noise(share, half, np.array([3, 4]), note="b")
    assert share.compose() == pytest.approx(share.epsilon, rel=1e-9)
    with pytest.raises(PrivacyBudgetError, match="zCDP cap"):
        add_noise(share, half, np.array([1]), note="c")
    assert len(share.charges) == 2  # the refused charge is not recorded


def test_pure_dp_above_the_cap_at_low_orders_is_refused() -> None:
    share = capped_share("synth", "x", rho=0.005, delta=1e-6)
    # a pure epsilon far below the share's (epsilon, delta) but above the cap near alpha = 1
    assert share.epsilon > 0.4
    with pytest.raises(PrivacyBudgetError, match="cap"):
        add_noise(share, DiscreteLaplace(sensitivity=1, epsilon=0.3), np.array([1, 2]))
    assert share.compose() == 0.0
