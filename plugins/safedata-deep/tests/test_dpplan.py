"""DP budgeting of the deep synthesizers: the preprocessing queries' noise and picks, and the DP-SGD calibration.

Statistical tests state their false-alarm rate and use reproducible (test-only) noise, so they are deterministic;
each has the power to see a factor-1.5 error in a noise scale.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from safedata_deep.dpplan import DPQueries, charge_dpsgd, plan_dpsgd, sgd_event
from safedata_deep.testing import independent_epsilon, reproducible_share

from safedata_core.privacy import rdp_curves
from safedata_core.testing import make_budget

#: |z| beyond this is a false alarm with probability < 6e-7 per check (normal approximation)
Z = 5.0


def _discrete_laplace_variance(epsilon: float) -> float:
    """Variance of P(k) proportional to exp(-epsilon |k|): 2p / (1 - p)^2 with p = exp(-epsilon)."""
    p = math.exp(-epsilon)
    return 2 * p / (1 - p) ** 2


def _assert_variance(draws: np.ndarray, expected: float) -> None:
    """Sample variance within Z standard errors; SE from the Laplace kurtosis (6): var * sqrt(5 / n)."""
    ratio = float(np.var(draws)) / expected
    assert abs(ratio - 1) < Z * math.sqrt(5 / draws.size), f"variance ratio {ratio:.3f}"


def test_preprocessing_split_rule_and_histogram_noise_scale() -> None:
    budget = reproducible_share(1.0, 1e-5, 0)
    queries = DPQueries(budget, n_counting=4, n_select=1, fraction=0.1, component="t")
    assert queries.epsilon_each == pytest.approx(0.1 / 5) and queries.delta_each == pytest.approx(1e-6)
    noisy = queries.histogram(np.zeros(0, dtype=np.int64), 20_000, "zeros")  # all true counts are 0
    event = budget.charges[-1].event
    assert event.mechanism == "geometric" and event.params["sensitivity"] == 1
    assert event.params["scale"] == pytest.approx(1 / queries.epsilon_each)
    assert np.array_equal(noisy, np.rint(noisy))  # exact integer noise
    _assert_variance(noisy, _discrete_laplace_variance(queries.epsilon_each))


def test_row_count_is_noisy_at_the_charged_scale() -> None:
    n, runs = 500, 1500
    errors = []
    for i in range(runs):
        queries = DPQueries(reproducible_share(1.0, 1e-5, i), n_counting=2, n_select=0, fraction=0.1, component="t")
        errors.append(queries.row_count(n) - n)
        assert queries.n_hat == errors[-1] + n
    err = np.asarray(errors)
    assert abs(err.mean()) < Z * math.sqrt(_discrete_laplace_variance(0.05) / runs)  # unbiased
    _assert_variance(err, _discrete_laplace_variance(0.05))  # the exact n would give variance 0


def _keep_probability(count: int, tau: int, epsilon: float) -> float:
    """P[count + Z >= tau] for Z discrete Laplace with parameter exp(-epsilon)."""
    p, k = math.exp(-epsilon), tau - count
    return p**k / (1 + p) if k >= 1 else 1 - p ** (1 - k) / (1 + p)


@pytest.mark.slow  # 2000 selections: 3-9 s on a shared 2-core machine
def test_category_selection_pick_frequencies_match_the_exact_probabilities() -> None:
    epsilon, delta = 0.5, 5e-6  # per selection: fraction 0.5 of (1.0, 1e-5), one selection
    p = math.exp(-epsilon)
    tau = 1 + math.ceil(math.log(1 / (delta * (1 + p))) / epsilon)  # P[1 + Z >= tau] <= delta
    counts = {"far-below": tau - 3, "below": tau - 1, "at": tau, "above": tau + 2}
    values = np.concatenate([np.full(c, name, dtype=object) for name, c in counts.items()])
    runs = 2000
    kept = {name: 0 for name in counts}
    for i in range(runs):
        queries = DPQueries(reproducible_share(1.0, 1e-5, i), n_counting=0, n_select=1, fraction=0.5, component="t")
        for name in queries.select_categories(values, "c"):
            kept[name] += 1
    for name, c in counts.items():
        exact = _keep_probability(c, tau, epsilon)
        se = math.sqrt(exact * (1 - exact) / runs)
        assert abs(kept[name] / runs - exact) < Z * se, (name, kept[name] / runs, exact)


def _mtz_integer_rdp(sigma: float, q: float, alpha: int) -> float:
    """Mironov-Talwar-Zhang (2019) sampled Gaussian RDP at an integer order, by the finite binomial sum."""
    k = np.arange(alpha + 1)
    log_binom = np.array([math.lgamma(alpha + 1) - math.lgamma(i + 1) - math.lgamma(alpha - i + 1) for i in k])
    terms = log_binom + k * math.log(q) + (alpha - k) * math.log1p(-q) + (k * k - k) / (2 * sigma**2)
    return float(np.logaddexp.reduce(terms)) / (alpha - 1)


@pytest.mark.parametrize("epsilon", [1.0, 3.0])
def test_dpsgd_calibration_spends_exactly_the_share_by_an_independent_recomputation(epsilon: float) -> None:
    budget = reproducible_share(epsilon, 1e-6, 1)
    queries = DPQueries(budget, n_counting=6, n_select=1, fraction=0.1, component="t")
    queries.histogram(np.arange(100) % 7, 7, "h1")
    queries.histogram(np.arange(100) % 3, 3, "h2")
    queries.select_categories(np.array(["a"] * 400 + ["b"] * 300, dtype=object), "s")
    n_hat = queries.row_count(30_000)
    plan = plan_dpsgd(budget, n_rows=n_hat, batch_size=1000, epochs=2, clip_norm=1.0, component="t")
    charge_dpsgd(budget, plan, "sgd")
    independent = independent_epsilon(budget)
    assert independent <= epsilon * (1 + 1e-12)  # never above the share
    assert independent == pytest.approx(epsilon, rel=1e-6)  # ... and the whole share is used
    assert budget.spent().epsilon == pytest.approx(independent, rel=1e-9)
    assert plan.step_epsilon == pytest.approx(independent, rel=1e-9)
    sgd = budget.charges[-1].event
    assert sgd.count == sgd.params["steps"] == plan.steps == 2 * round(n_hat / 1000)
    assert sgd.params["sample_rate"] == pytest.approx(1000 / n_hat)  # from the DP row count
    assert plan.expected_batch == pytest.approx(1000)  # the noisy sum is divided by q * n_hat = batch_size
    # the smallest such multiplier: 1e-5 less noise overspends
    tighter = make_budget(epsilon, 1e-6)
    for charge in budget.charges[:-1]:
        tighter.record(charge.event)
    less = sgd_event(plan.noise_multiplier * (1 - 1e-5), plan.sample_rate, plan.steps, plan.delta, 1.0)
    assert tighter.compose([less]) > epsilon
    # the accountant's subsampled-Gaussian curve agrees with the finite MTZ sum at integer orders
    for alpha in (2, 5, 17, 40):
        core = rdp_curves.subsampled_gaussian_rdp(plan.noise_multiplier, plan.sample_rate, np.array([float(alpha)]))
        assert core[0] == pytest.approx(_mtz_integer_rdp(plan.noise_multiplier, plan.sample_rate, alpha), rel=1e-9)


def test_planning_refuses_without_delta_or_epsilon_left() -> None:
    from safedata_core import PrivacyBudgetError

    with pytest.raises(PrivacyBudgetError, match="delta"):
        plan_dpsgd(make_budget(1.0, 0.0), n_rows=1000, batch_size=100, epochs=1, clip_norm=1.0, component="t")
    spent = make_budget(1.0, 1e-6)
    spent.charge("pure", epsilon=1.0)
    with pytest.raises(PrivacyBudgetError, match="no epsilon left"):
        plan_dpsgd(spent, n_rows=1000, batch_size=100, epochs=1, clip_norm=1.0, component="t")
