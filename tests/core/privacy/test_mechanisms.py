"""Built-in mechanisms: exact noise distributions (KS / exact-CDF on 100k draws) and empirical privacy loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from safedata_core.default_plugins.mechanisms import (
    ExponentialMechanism,
    GaussianMechanism,
    GeometricMechanism,
    LaplaceMechanism,
)
from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import gaussian_multiplier
from safedata_core.testing.contracts import MechanismContract, make_budget

N = 100_000


class TestLaplaceContract(MechanismContract):
    component = LaplaceMechanism
    params = {"sensitivity": 1.0}


class TestGaussianContract(MechanismContract):
    component = GaussianMechanism
    params = {"sensitivity": 1.0}


class TestGeometricContract(MechanismContract):
    component = GeometricMechanism
    params = {"sensitivity": 1}


class TestExponentialContract(MechanismContract):
    component = ExponentialMechanism
    params = {"sensitivity": 1.0}


def _draw(mech: object, value: float, eps: float = 1.0, delta: float = 1e-5, seed: int = 0) -> np.ndarray:
    budget = make_budget(eps, delta)
    return mech.randomise(np.full(N, value), budget=budget)  # type: ignore[attr-defined]


def test_laplace_noise_distribution_and_charge() -> None:
    budget = make_budget(0.5, 0.0)
    out = LaplaceMechanism({"sensitivity": 2.0}).randomise(np.zeros(N), budget=budget)
    (charge,) = budget.charges
    g = charge.event.params["grid"]
    scale = 4.0 * (1 + 1 / 1024 + g / 2.0)  # grid sensitivity (2/g + N coordinates... bounded) over epsilon, in units
    real_scale = charge.event.params["scale"] * g
    assert real_scale == pytest.approx(4.0, rel=0.01) and real_scale >= 4.0
    assert scale > 0
    assert stats.kstest(out, "laplace", args=(0.0, real_scale)).pvalue > 1e-3
    assert stats.kstest(out, "laplace", args=(0.0, 3.6)).pvalue < 1e-6  # the test has power
    assert np.all(np.mod(out / g, 1.0) == 0)  # exact noise on the public grid
    assert charge.event.mechanism == "geometric" and charge.event.params["real_sensitivity"] == 2.0
    assert budget.spent().epsilon == pytest.approx(0.5)


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_gaussian_noise_is_calibrated_sigma() -> None:
    budget = make_budget(1.0, 1e-5)
    out = GaussianMechanism({"sensitivity": 1.5}).randomise(np.zeros(N), budget=budget)
    sigma = gaussian_multiplier(1.0, 1e-5) * 1.5
    (charge,) = budget.charges
    assert charge.event.params["noise_multiplier"] == pytest.approx(sigma / 1.5)
    g = charge.event.params["grid"]
    real_sigma = sigma * (1 + g * math.sqrt(N) / 1.5)  # grid rounding of N coordinates is paid for with noise
    assert stats.kstest(out, "norm", args=(0.0, real_sigma)).pvalue > 1e-3
    assert stats.kstest(out, "norm", args=(0.0, real_sigma / 1.5)).pvalue < 1e-6
    assert budget.spent().epsilon <= 1.0 + 1e-9


def test_geometric_refuses_non_integer_values() -> None:
    with pytest.raises(PrivacyBudgetError, match="integer"):
        GeometricMechanism({"sensitivity": 1}).randomise(np.array([0.5, 1.5]), budget=make_budget(1.0))


def test_gaussian_needs_delta() -> None:
    with pytest.raises(PrivacyBudgetError, match="delta"):
        GaussianMechanism({"sensitivity": 1.0}).randomise(np.zeros(3), budget=make_budget(1.0, 0.0))


def test_geometric_is_exact_discrete_laplace() -> None:
    eps = 0.7
    out = _draw(GeometricMechanism({"sensitivity": 1}), 5.0, eps=eps, seed=2) - 5.0
    assert np.all(out == np.rint(out))
    ks = np.arange(-40, 41)
    a = math.exp(-eps)
    cdf = np.where(ks < 0, a ** (-ks) / (1 + a), 1 - a ** (ks + 1) / (1 + a))  # P(K <= k)
    emp = np.searchsorted(np.sort(out), ks, side="right") / N
    assert np.max(np.abs(emp - cdf)) < 1.63 / math.sqrt(N)  # KS critical value at 1%
    pmf = (1 - a) / (1 + a) * a ** np.abs(ks)
    counts = np.array([(out == k).sum() for k in ks[30:51]])
    assert stats.chisquare(counts, pmf[30:51] * N * counts.sum() / (pmf[30:51] * N).sum()).pvalue > 1e-3


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_exponential_selection_frequencies() -> None:
    scores = np.array([0.0, 1.0, 2.0, 4.0])
    mech = ExponentialMechanism({"sensitivity": 1.0, "epsilon": 1.0})
    picks = np.array([int(mech.randomise(scores, budget=make_budget(1.0)).argmax()) for _ in range(4000)])
    p = mech.probabilities(scores, 1.0)
    assert p == pytest.approx(np.exp(scores / 2) / np.exp(scores / 2).sum())
    assert stats.chisquare(np.bincount(picks, minlength=4), p * 4000).pvalue > 1e-3


def _max_log_ratio(a: np.ndarray, b: np.ndarray, bins: np.ndarray, min_count: int = 2000) -> float:
    ha, _ = np.histogram(a, bins)
    hb, _ = np.histogram(b, bins)
    ok = (ha >= min_count) & (hb >= min_count)
    return float(np.max(np.abs(np.log(ha[ok] / hb[ok]))))


@pytest.mark.parametrize("eps", [0.5, 1.0])
def test_laplace_empirical_privacy_loss(eps: float) -> None:
    mech = LaplaceMechanism({"sensitivity": 1.0})
    a, b = _draw(mech, 0.0, eps, seed=4), _draw(mech, 1.0, eps, seed=5)  # neighbouring answers differ by 1
    loss = _max_log_ratio(a, b, np.linspace(-4 / eps, 5 / eps, 40))
    assert loss <= eps + 0.1  # sampling error on >= 2000 counts per bin is ~0.03 per ratio
    assert loss >= 0.8 * eps  # and the noise is not wastefully large


def test_no_output_rules_out_a_neighbour() -> None:
    # Mironov's attack on textbook float Laplace: outputs impossible under the neighbour. On the grid, every output
    # of the count-0 input is a possible output of the count-1 input (the grid and the noise support are shared).
    mech = LaplaceMechanism({"sensitivity": 1.0})
    budget = make_budget(1.0)
    out = mech.randomise(np.zeros(20_000), budget=budget)
    g = budget.charges[0].event.params["grid"]
    shifted = (out - 1.0) / g  # the neighbour's noise that would produce the same output
    assert np.all(shifted == np.rint(shifted))


def test_geometric_empirical_privacy_loss() -> None:
    eps = 0.8
    mech = GeometricMechanism({"sensitivity": 1})
    a, b = _draw(mech, 0.0, eps, seed=6), _draw(mech, 1.0, eps, seed=7)
    loss = _max_log_ratio(a, b, np.arange(-6, 8) - 0.5)
    assert 0.8 * eps <= loss <= eps + 0.1


def test_exponential_empirical_privacy_loss() -> None:
    eps = 1.0
    mech = ExponentialMechanism({"sensitivity": 1.0, "epsilon": eps})
    d, d2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0])  # every utility moved by at most 1
    pa, pb = mech.probabilities(d, eps), mech.probabilities(d2, eps)
    assert np.max(np.abs(np.log(pa / pb))) <= eps + 1e-12


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_gaussian_empirical_hockey_stick_below_delta() -> None:
    eps, delta = 1.0, 0.05
    mech = GaussianMechanism({"sensitivity": 1.0})
    a, b = _draw(mech, 0.0, eps, delta, seed=8), _draw(mech, 1.0, eps, delta, seed=9)
    bins = np.linspace(-8, 9, 200)
    pa = np.histogram(a, bins)[0] / N
    pb = np.histogram(b, bins)[0] / N
    est = np.sum(np.maximum(pa - math.exp(eps) * pb, 0))
    assert est <= delta + 0.01
    assert est >= 0.35 * delta  # calibration is tight (the RDP conversion gives up a little), not over-noised
