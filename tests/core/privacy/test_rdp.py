"""RDP accountant: reproduces opacus / TF-Privacy reference values and composes every mechanism kind."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from safedata_core.privacy import PrivacyEvent, create_accountant
from safedata_core.privacy import rdp_curves as rc
from tests.conftest import shared_data


def _ref() -> dict:
    return json.loads(shared_data("reference_values", "dp_accountant_expected.json").read_text())


def _sgm(sigma: float, q: float, steps: int) -> PrivacyEvent:
    return PrivacyEvent("subsampled_gaussian", math.inf, 0.0, steps, {"noise_multiplier": sigma, "sample_rate": q})


@pytest.mark.reference
def test_opacus_rdp_asserted_case() -> None:
    case = next(
        c for c in _ref()["opacus_tests_accountants_test_py"]["cases"] if c["accountant"] == "rdp" and "epsilon" in c
    )
    eps = create_accountant("rdp").epsilon([_sgm(case["sigma"], case["q"], case["steps"])], case["delta"])
    assert eps == pytest.approx(case["epsilon"], rel=1e-6)


@pytest.mark.reference
@pytest.mark.parametrize("name", ["Test0", "Test1"])
def test_tf_privacy_compute_dp_sgd_privacy(name: str) -> None:
    case = next(c for c in _ref()["tf_privacy_compute_dp_sgd_privacy_test_py"]["cases"] if c["name"] == name)
    q = case["batch"] / case["n"]
    steps = math.ceil(case["epochs"] * case["n"] / case["batch"])
    eps = create_accountant("rdp").epsilon([_sgm(case["sigma"], q, steps)], case["delta"])
    assert eps == pytest.approx(case["epsilon"], rel=1e-6)
    assert eps == pytest.approx(case["reproduced_with_opacus_rdp"], rel=1e-6)


@pytest.mark.reference
def test_tf_privacy_test2_depends_on_order_grid() -> None:
    case = next(c for c in _ref()["tf_privacy_compute_dp_sgd_privacy_test_py"]["cases"] if c["name"] == "Test2")
    q = case["batch"] / case["n"]
    steps = math.ceil(case["epochs"] * case["n"] / case["batch"])
    # with opacus's orders (which include 1.1) the file documents 7801.06 at order 1.1
    eps = create_accountant("rdp").epsilon([_sgm(case["sigma"], q, steps)], case["delta"])
    assert eps == pytest.approx(7801.06, rel=1e-6)
    # with dp_accounting's default grid (1.25, 1.5, ...) the upstream value is reproduced
    from safedata_core.privacy.rdp import RDPAccountant

    grid = [1 + x / 4 for x in range(1, 40)] + list(range(12, 64)) + [128, 256, 512, 1024]
    eps2 = RDPAccountant(orders=grid).epsilon([_sgm(case["sigma"], q, steps)], case["delta"])
    assert eps2 == pytest.approx(case["epsilon"], rel=1e-6)


@pytest.mark.reference
def test_computed_here_opacus_rdp_cases() -> None:
    for c in _ref()["computed_here_opacus_1_6_0"]["cases"]:
        eps = create_accountant("rdp").epsilon([_sgm(c["sigma"], c["batch"] / c["N"], c["steps"])], 1e-5)
        assert eps == pytest.approx(c["rdp_eps"], abs=5e-5)  # file gives 4 decimals


@pytest.mark.reference
def test_tf_rdp_curve_values() -> None:
    cases = {c["test"]: c for c in _ref()["tf_privacy_rdp_accountant_test_py"]["cases"]}
    c = cases["test_compute_rdp_no_data"]
    assert rc.subsampled_gaussian_rdp(c["sigma"], c["q"], np.array([20.0]))[0] == 0
    c = cases["test_compute_rdp_no_sampling"]
    assert rc.subsampled_gaussian_rdp(c["sigma"], c["q"], np.array([20.0]))[0] == pytest.approx(c["rdp"], rel=1e-12)
    c = cases["test_compute_rdp_scalar"]
    val = c["steps"] * rc.subsampled_gaussian_rdp(c["sigma"], c["q"], np.array([float(c["order"])]))[0]
    assert val == pytest.approx(c["opacus"], rel=1e-6)
    c = cases["test_compute_rdp_sequence"]
    orders = np.array([float(o) for o in c["orders"]])
    got = c["steps"] * rc.subsampled_gaussian_rdp(c["sigma"], c["q"], orders)
    want = np.array([float(v) for v in c["rdp"]])
    assert np.isinf(got[-1]) and np.isinf(want[-1])
    np.testing.assert_allclose(got[:-1], want[:-1], atol=c["tol"], rtol=0)


def test_tf_gaussian_conversion_case() -> None:
    # Gaussian (q=1) with sigma 4.530877117 is (1, 1e-6)-DP by the Balle et al. conversion on a fine grid
    orders = 0.001 * np.arange(1000, 100000)[1:]
    curve = rc.subsampled_gaussian_rdp(4.530877117, 1.0, orders)
    eps, _ = rc.rdp_to_epsilon(curve, orders, 1e-6)
    assert eps == pytest.approx(1.000000000268121, rel=1e-6)


def test_fractional_and_integer_orders_agree_with_direct_integration() -> None:
    # numeric check of A_alpha = E_{z~mu0}[(mu(z)/mu0(z))^alpha] for the Poisson-subsampled Gaussian
    from scipy import integrate, stats

    sigma, q = 1.3, 0.05
    for alpha in (2.5, 7.0, 13.3):

        def f(z: float, a: float = alpha) -> float:
            p0 = stats.norm.pdf(z, 0, sigma)
            mix = (1 - q) * p0 + q * stats.norm.pdf(z, 1, sigma)
            return p0 * (mix / p0) ** a

        a_alpha, _ = integrate.quad(f, -40, 40, epsabs=0, epsrel=1e-12, limit=500)
        want = math.log(a_alpha) / (alpha - 1)
        got = rc.subsampled_gaussian_rdp(sigma, q, np.array([alpha]))[0]
        assert got == pytest.approx(want, rel=1e-6)


def test_laplace_curve_matches_direct_integration() -> None:
    from scipy import integrate

    b = 0.7
    for alpha in (1.5, 3.0, 20.0):

        def f(z: float, a: float = alpha) -> float:
            return 0.5 / b * math.exp((-a * abs(z) - (1 - a) * abs(z - 1)) / b)

        val, _ = integrate.quad(f, -60, 60, points=[0, 1], epsabs=0, epsrel=1e-12, limit=500)
        want = math.log(val) / (alpha - 1)
        assert rc.laplace_rdp(1 / b, np.array([alpha]))[0] == pytest.approx(want, rel=1e-8)


def test_pure_curve_is_randomised_response_and_below_simple_bounds() -> None:
    orders = rc.OPACUS_ORDERS
    eps = 0.8
    p = math.exp(eps) / (1 + math.exp(eps))
    rr = np.log(p**orders * (1 - p) ** (1 - orders) + (1 - p) ** orders * p ** (1 - orders)) / (orders - 1)
    np.testing.assert_allclose(rc.pure_rdp(eps, orders), rr, rtol=1e-10)
    assert np.all(rc.pure_rdp(eps, orders) <= np.minimum(eps, orders * eps**2 / 2) + 1e-12)
    assert np.all(rc.laplace_rdp(eps, orders) <= rc.pure_rdp(eps, orders) + 1e-12)
    assert np.all(rc.exponential_rdp(eps, orders) <= orders * eps**2 / 8 + 1e-12)


def test_composes_every_kind_and_reserves_approx_delta() -> None:
    acc = create_accountant("rdp")
    delta = 1e-5
    events = [
        _sgm(1.1, 0.01, 500),
        PrivacyEvent("gaussian", 1.0, 1e-6, 2, {"noise_multiplier": 5.0}),
        PrivacyEvent("laplace", 0.5, 0.0, 1, {"sensitivity": 1.0, "scale": 2.0}),
        PrivacyEvent("geometric", 0.5, 0.0, 1, {"sensitivity": 1, "scale": 2.0}),
        PrivacyEvent("exponential", 0.6, 0.0, 3, {"epsilon_each": 0.2}),
        PrivacyEvent("pure", 0.3, 0.0, 1, {}),
    ]
    base = acc.epsilon(events, delta)
    basic = sum(e.epsilon for e in events if e.mechanism != "subsampled_gaussian")
    assert 0 < base < basic + acc.epsilon(events[:1], delta)
    approx = PrivacyEvent("approx", 0.25, 4e-6, 1, {})
    with_approx = acc.epsilon([*events, approx], delta)
    # basic composition on top of the RDP part at the reduced delta
    assert with_approx == pytest.approx(acc.epsilon(events, delta - 4e-6) + 0.25, rel=1e-12)
    assert acc.epsilon([approx], 1e-6) == math.inf
    assert acc.epsilon([approx], delta) == 0.25


def test_pure_events_only_compose_below_basic_for_many_small_charges() -> None:
    acc = create_accountant("rdp")
    events = [PrivacyEvent("laplace", 0.01, 0.0, 1, {"sensitivity": 1.0, "scale": 100.0})] * 400
    assert acc.epsilon(events, 1e-6) < 0.5 * sum(e.epsilon for e in events)
    assert acc.epsilon(events, 0.0) == math.inf  # RDP cannot give delta = 0; the ledger then uses basic


# -- event curves, recomputed from rdp_curves (reference-free) -------------------------------------------

ORD = np.array([1.5, 2.0, 5.0, 32.0])


def _curve(
    kind: str, eps: float = 1.0, delta: float = 0.0, count: int = 1, params: dict | None = None, **kw: float
) -> np.ndarray | None:
    from safedata_core.privacy.rdp import event_rdp

    return event_rdp(PrivacyEvent(kind, eps, delta, count, {**(params or {}), **kw}), ORD)  # type: ignore[arg-type]


def test_event_curve_of_each_kind_times_its_count() -> None:
    np.testing.assert_array_equal(_curve("subsampled_gaussian", count=3, noise_multiplier=1.2, sample_rate=0.1),
       3 * rc.subsampled_gaussian_rdp(1.2, 0.1, ORD))  # fmt: skip
    np.testing.assert_array_equal(_curve("gaussian", count=2, noise_multiplier=4.0), 2 * rc.gaussian_rdp(4.0, ORD))
    np.testing.assert_array_equal(_curve("discrete_gaussian", noise_multiplier=4.0), rc.gaussian_rdp(4.0, ORD))
    np.testing.assert_array_equal(_curve("laplace", count=2, sensitivity=2.0, scale=4.0), 2 * rc.laplace_rdp(0.5, ORD))
    np.testing.assert_array_equal(_curve("geometric", sensitivity=3, scale=2.0), rc.pure_rdp(1.5, ORD))
    np.testing.assert_array_equal(
        _curve("exponential", 0.9, count=3, epsilon_each=0.3), 3 * rc.exponential_rdp(0.3, ORD)
    )
    np.testing.assert_array_equal(
        _curve("exponential", 0.9, count=3), 3 * rc.exponential_rdp(0.3, ORD)
    )  # epsilon split over count
    np.testing.assert_array_equal(_curve("pure", 0.8, count=4), 4 * rc.pure_rdp(0.2, ORD))
    np.testing.assert_array_equal(
        _curve("pure", 0.8, count=4, params={"epsilon": 0.5}), 4 * rc.pure_rdp(0.5, ORD)
    )  # an explicit per-run epsilon
    np.testing.assert_array_equal(
        _curve("pure", 0.8, count=0), 0 * rc.pure_rdp(0.8, ORD)
    )  # count 0: max(count, 1) guards the split


def test_events_without_usable_parameters() -> None:
    # pure-type claims fall back to pure_rdp of their epsilon; the rest have no RDP curve
    np.testing.assert_array_equal(_curve("laplace", 0.7, sensitivity=1.0, scale=0.0), rc.pure_rdp(0.7, ORD))
    np.testing.assert_array_equal(_curve("laplace", 0.7, scale=2.0), rc.pure_rdp(0.7, ORD))
    np.testing.assert_array_equal(_curve("geometric", 0.7, sensitivity=1), rc.pure_rdp(0.7, ORD))
    np.testing.assert_array_equal(_curve("geometric", 0.7, sensitivity=1, scale=0.0), rc.pure_rdp(0.7, ORD))
    assert _curve("laplace", 0.7, delta=1e-6) is None  # an (eps, delta) claim is not pure
    assert _curve("pure", 0.7, delta=1e-6) is None
    assert _curve("approx", 0.7) is None
    assert _curve("gaussian", 1.0) is None
    assert _curve("discrete_gaussian", 1.0, sigma=3.0) is None
    assert _curve("subsampled_gaussian", 1.0, noise_multiplier=1.0) is None
    assert _curve("subsampled_gaussian", 1.0, sample_rate=0.1) is None
    # a parameter given as None counts as missing; numbers given as strings are read as numbers
    np.testing.assert_array_equal(
        _curve("exponential", 0.9, count=3, epsilon_each=None),
        3 * rc.exponential_rdp(0.3, ORD),  # type: ignore[arg-type]
    )
    np.testing.assert_array_equal(_curve("gaussian", noise_multiplier="4"), rc.gaussian_rdp(4.0, ORD))  # type: ignore[arg-type]


def test_rdp_accountant_sums_curves_and_converts_once() -> None:
    from safedata_core.privacy.rdp import RDPAccountant

    acc = RDPAccountant(orders=ORD)
    g = PrivacyEvent("gaussian", 1.0, 0.0, 1, {"noise_multiplier": 3.0})
    p = PrivacyEvent("pure", 0.4)
    a = PrivacyEvent("approx", 0.25, 2e-6)
    total, eps_a, delta_a = acc.rdp([g, p, a, a])
    np.testing.assert_allclose(total, rc.gaussian_rdp(3.0, ORD) + rc.pure_rdp(0.4, ORD), rtol=1e-15)
    assert (eps_a, delta_a) == (0.5, 4e-6)
    want, _ = rc.rdp_to_epsilon(total, ORD, 1e-5 - 4e-6)
    assert acc.epsilon([g, p, a, a], 1e-5) == want + 0.5
    assert acc.epsilon_and_order([g, p, a, a], 1e-5) == rc.rdp_to_epsilon(total, ORD, 1e-5)
    assert acc.epsilon([a, a], 4e-6) == 0.5  # approx only: basic composition, delta exactly used up
    assert acc.epsilon([a, a], 4e-6 * (1 - 1e-9)) == math.inf
    assert acc.epsilon([], 1e-5) == 0.0
    np.testing.assert_array_equal(RDPAccountant().orders, rc.DEFAULT_ORDERS)


def test_epsilon_each_wins_over_the_split_of_the_claim() -> None:
    # a component may claim more in total than its per-run epsilon implies; the curve uses epsilon_each
    np.testing.assert_array_equal(
        _curve("exponential", 0.9, count=3, epsilon_each=0.2), 3 * rc.exponential_rdp(0.2, ORD)
    )
    np.testing.assert_array_equal(
        _curve("pure", 0.9, count=3, params={"epsilon_each": 0.1, "epsilon": 0.2}), 3 * rc.pure_rdp(0.1, ORD)
    )
