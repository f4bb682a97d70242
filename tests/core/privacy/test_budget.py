"""Budget and PrivacyEvent: the accepted ranges at their edges, exact messages, exact serialised forms."""

from __future__ import annotations

import math

import pytest

from safedata_core.privacy import Budget, PrivacyEvent


def test_budget_accepts_the_edges_of_its_ranges() -> None:
    assert Budget(0.0).delta == 0.0  # epsilon 0 and the default delta 0 are valid
    assert Budget(math.inf, 0.0).epsilon == math.inf
    assert Budget(1.0, 0.999).delta == 0.999


@pytest.mark.parametrize("epsilon", [-1e-12, -1.0, math.nan])
def test_budget_refuses_bad_epsilon_with_the_value(epsilon: float) -> None:
    with pytest.raises(ValueError, match=rf"^epsilon must be >= 0, got {epsilon}$"):
        Budget(epsilon)


@pytest.mark.parametrize("delta", [-1e-12, 1.0, 1.5])
def test_budget_refuses_bad_delta_with_the_value(delta: float) -> None:
    with pytest.raises(ValueError, match=rf"^delta must be in \[0, 1\), got {delta}$"):
        Budget(1.0, delta)


def test_budget_to_dict_is_exact() -> None:
    assert Budget(0.5, 1e-6).to_dict() == {"epsilon": 0.5, "delta": 1e-6}
    assert Budget(2.0).to_dict() == {"epsilon": 2.0, "delta": 0.0}


def test_event_defaults_and_to_dict_are_exact() -> None:
    e = PrivacyEvent("pure", 0.3)
    assert (e.delta, e.count, dict(e.params)) == (0.0, 1, {})
    assert e.to_dict() == {"mechanism": "pure", "epsilon": 0.3, "delta": 0.0, "count": 1, "params": {}}
    f = PrivacyEvent("gaussian", 1.5, 1e-5, 4, {"noise_multiplier": 2.0})
    d = f.to_dict()
    assert d == {
        "mechanism": "gaussian",
        "epsilon": 1.5,
        "delta": 1e-5,
        "count": 4,
        "params": {"noise_multiplier": 2.0},
    }
    assert type(d["params"]) is dict  # a plain dict, ready for JSON
