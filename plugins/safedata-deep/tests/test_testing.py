"""The test helpers: the independent epsilon recomputation agrees with the ledger and does not read its epsilons."""

from __future__ import annotations

import math

import pytest
from safedata_deep.testing import independent_epsilon, reproducible_share

from safedata_core.privacy import NoiseSource, PrivacyEvent
from safedata_core.testing import make_budget


def test_independent_epsilon_matches_the_ledger_from_parameters_only() -> None:
    budget = make_budget(2.0, 1e-5)
    budget.record(PrivacyEvent("geometric", 0.1, 0.0, 1, {"sensitivity": 1, "scale": 10.0}))
    budget.record(PrivacyEvent("approx", 0.2, 1e-6, 1, {"scale": 5.0}))
    params = {"noise_multiplier": 1.5, "sample_rate": 0.01, "steps": 500}
    budget.record(PrivacyEvent("subsampled_gaussian", 1.5, 9e-6, 500, params))
    assert independent_epsilon(budget) == pytest.approx(budget.spent().epsilon, rel=1e-9)
    # a charge whose recorded epsilon disagrees with its parameters is recomputed from the parameters
    lying = make_budget(2.0, 1e-5)
    lying.record(PrivacyEvent("geometric", 1e-9, 0.0, 1, {"sensitivity": 1, "scale": 1.0}))
    assert independent_epsilon(lying) == pytest.approx(1.0)
    with pytest.raises(AssertionError, match="no recomputation"):
        bad = make_budget(2.0, 1e-5)
        bad.record(PrivacyEvent("pure", 0.1, 0.0, 1, {}))
        independent_epsilon(bad)


def test_reproducible_share_replays_its_noise() -> None:
    a, b = reproducible_share(1.0, 1e-5, 4), reproducible_share(1.0, 1e-5, 4)
    assert isinstance(a.noise, NoiseSource) and a.noise.mode == "reproducible-test"
    assert a.noise.generator.random() == b.noise.generator.random()
    assert not math.isclose(a.noise.generator.random(), reproducible_share(1.0, 1e-5, 5).noise.generator.random())
