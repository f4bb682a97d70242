"""Trial-distribution checks that close gaps `make mutation` found in privacy/hyperparameter.py.

The expectations are written out independently: a geometric number of trials (negative binomial with
shape 1, counting failures before the first success of probability gamma) conditioned on K >= 1 has mean
1 / gamma, so mean 5 means gamma = 0.2.
"""

from __future__ import annotations

import pytest

from safedata_core.errors import SafedataError
from safedata_core.privacy.hyperparameter import TrialDistribution, tuning_event


def test_mean_must_be_finite_and_at_least_one() -> None:
    # exactly 1 is allowed for the truncated negative binomial (every run has one trial)
    assert TrialDistribution("truncated_negative_binomial", 1.0).mean == 1.0
    assert TrialDistribution("truncated_negative_binomial", 1.5).mean == 1.5
    for bad in (0.5, float("inf"), float("nan")):
        with pytest.raises(SafedataError, match=r"must be a finite number >= 1"):
            TrialDistribution("truncated_negative_binomial", bad)


def test_poisson_needs_a_mean_above_one_and_says_so() -> None:
    with pytest.raises(SafedataError) as err:
        TrialDistribution("poisson", 1.0)
    assert str(err.value) == "tuning trials: a Poisson number of trials needs mean > 1"
    assert TrialDistribution("poisson", 1.01).mean == 1.01


def test_params_round_trip_and_defaults() -> None:
    dist = TrialDistribution("truncated_negative_binomial", 4.0, 0.5)
    assert dist.to_params() == {"distribution": "truncated_negative_binomial", "mean": 4.0, "eta": 0.5}
    assert TrialDistribution.from_params(dist.to_params()) == dist
    # without distribution and eta: the truncated negative binomial with shape 1 (geometric)
    assert TrialDistribution.from_params({"mean": 3}) == TrialDistribution("truncated_negative_binomial", 3.0, 1.0)
    assert TrialDistribution.from_params({"distribution": "poisson", "mean": 3}).name == "poisson"


def test_tuning_event_records_gamma_only_for_the_negative_binomial() -> None:
    geometric = tuning_event(0.1, TrialDistribution("truncated_negative_binomial", 5.0, 1.0), 1e-6, trials=3)
    assert geometric.params["gamma"] == pytest.approx(0.2, rel=1e-9)
    assert geometric.params["trials"] == 3 and geometric.params["eta"] == 1.0
    poisson = tuning_event(0.1, TrialDistribution("poisson", 5.0), 1e-6, trials=3)
    assert "gamma" not in poisson.params and poisson.params["distribution"] == "poisson"


def test_trials_near_mean_one_take_the_first_positive_draw() -> None:
    # mean 1.05 (geometric): P[K > 0] = 1 - 1/1.05 ~ 0.048, so a batch of 64 draws often holds a single
    # positive one; every call still returns a count >= 1, and most are exactly 1 (P[K = 1 | K >= 1] = 1/1.05)
    import numpy as np

    from safedata_core.privacy.hyperparameter import sample_trials

    dist = TrialDistribution("truncated_negative_binomial", 1.05, 1.0)
    rng = np.random.default_rng(5)
    draws = np.array([sample_trials(dist, rng) for _ in range(400)])
    assert draws.min() >= 1
    assert 0.9 < np.mean(draws == 1) <= 1.0


def test_an_epsilon_below_the_selection_overhead_is_refused_with_the_whole_fix() -> None:
    from safedata_core.privacy.hyperparameter import calibrate_rho

    with pytest.raises(SafedataError) as err:
        calibrate_rho(0.01, 1e-6, TrialDistribution("poisson", 50.0))
    assert str(err.value) == (
        "tuning: epsilon=0.01 does not even cover the selection overhead of 50 expected trials; "
        "raise the epsilon or lower the mean number of trials"
    )
