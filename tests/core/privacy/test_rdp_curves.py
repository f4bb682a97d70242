"""RDP curves recomputed independently in plain Python at a few orders (exact formulas, edge cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from safedata_core.privacy import rdp_curves as rc

ORDERS = np.array([1.5, 2.0, 3.0, 8.0, 32.0, 256.0])


def test_order_grids() -> None:
    assert rc.OPACUS_ORDERS.size == 99 + 52
    assert rc.OPACUS_ORDERS[0] == 1.1 and rc.OPACUS_ORDERS[98] == pytest.approx(10.9) and rc.OPACUS_ORDERS[-1] == 63
    np.testing.assert_array_equal(rc.DEFAULT_ORDERS[:151], rc.OPACUS_ORDERS)
    np.testing.assert_array_equal(rc.DEFAULT_ORDERS[151:], [64, 80, 96, 128, 192, 256, 512, 1024])


def test_gaussian_curve() -> None:
    np.testing.assert_allclose(rc.gaussian_rdp(2.0, ORDERS), ORDERS / 8.0, rtol=1e-15)
    assert np.all(np.isinf(rc.gaussian_rdp(0.0, ORDERS))) and np.all(np.isinf(rc.gaussian_rdp(-1.0, ORDERS)))


def _log_a_direct(q: float, sigma: float, alpha: int) -> float:
    """log A_alpha for an integer order: sum_k C(alpha, k) q^k (1-q)^(alpha-k) exp((k^2 - k) / (2 sigma^2))."""
    total = sum(
        math.comb(alpha, k) * q**k * (1 - q) ** (alpha - k) * math.exp((k * k - k) / (2 * sigma**2))
        for k in range(alpha + 1)
    )
    return math.log(total)


@pytest.mark.parametrize(("q", "sigma"), [(0.01, 1.1), (0.2, 0.8), (0.5, 3.0)])
def test_subsampled_gaussian_integer_orders_are_the_binomial_sum(q: float, sigma: float) -> None:
    alphas = [2, 3, 7, 16]
    got = rc.subsampled_gaussian_rdp(sigma, q, np.array(alphas, dtype=float))
    want = [_log_a_direct(q, sigma, a) / (a - 1) for a in alphas]
    np.testing.assert_allclose(got, want, rtol=1e-10)  # log of a sum near 1: ~1e-12 cancellation


def test_subsampled_gaussian_edges() -> None:
    np.testing.assert_array_equal(rc.subsampled_gaussian_rdp(1.0, 0.0, ORDERS), np.zeros(ORDERS.size))
    assert np.all(np.isinf(rc.subsampled_gaussian_rdp(0.0, 0.1, ORDERS)))
    np.testing.assert_array_equal(rc.subsampled_gaussian_rdp(2.0, 1.0, ORDERS), ORDERS / 8.0)
    out = rc.subsampled_gaussian_rdp(1.0, 0.1, np.array([2.0, np.inf, 2.5]))
    assert out[1] == math.inf and np.isfinite(out[[0, 2]]).all()
    assert out[0] == pytest.approx(_log_a_direct(0.1, 1.0, 2), rel=1e-12)


def test_fractional_orders_lie_between_their_integer_neighbours() -> None:
    # alpha -> (alpha - 1) eps(alpha) = log A_alpha is convex, so eps is monotone in alpha
    a = np.array([2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0])
    out = rc.subsampled_gaussian_rdp(0.9, 0.05, a)
    assert np.all(np.diff(out) > 0)
    # and the interpolated log-moment is below the chord (convexity) at 2.5
    log_a = out * (a - 1)
    assert log_a[2] <= (log_a[0] + log_a[4]) / 2 + 1e-15


def test_logsumexp_rows_with_signs_and_empty_rows() -> None:
    x = np.array([[0.0, math.log(3.0)], [-np.inf, -np.inf], [math.log(5.0), math.log(2.0)]])
    got = rc._logsumexp_rows(x)
    assert got[0] == pytest.approx(math.log(4.0), rel=1e-15) and got[1] == -math.inf
    signs = np.array([[1.0, -1.0], [1.0, 1.0], [1.0, -1.0]])
    got = rc._logsumexp_rows(x, signs)
    assert got[0] == -math.inf  # 1 - 3 < 0
    assert got[2] == pytest.approx(math.log(3.0), rel=1e-15)
    big = np.array([[1000.0, 1000.0]])
    assert rc._logsumexp_rows(big)[0] == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)


def _laplace_direct(eps: float, a: float) -> float:
    return math.log(a / (2 * a - 1) * math.exp((a - 1) * eps) + (a - 1) / (2 * a - 1) * math.exp(-a * eps)) / (a - 1)


def test_laplace_curve() -> None:
    for eps in (0.3, 2.0):
        want = [min(_laplace_direct(eps, a), eps) for a in ORDERS]
        np.testing.assert_allclose(rc.laplace_rdp(eps, ORDERS), want, rtol=1e-12)
    np.testing.assert_array_equal(rc.laplace_rdp(0.0, ORDERS), np.zeros(ORDERS.size))
    assert np.all(np.isinf(rc.laplace_rdp(math.inf, ORDERS)))


def _pure_direct(eps: float, a: float) -> float:
    # log((e^{a eps} + e^{(1-a) eps}) / (1 + e^eps)) / (a - 1), written without overflow
    rr = (a * eps + math.log1p(math.exp((1 - 2 * a) * eps)) - eps - math.log1p(math.exp(-eps))) / (a - 1)
    return min(rr, eps, a * eps * eps / 2)


def test_pure_and_exponential_curves() -> None:
    for eps in (0.05, 0.5, 3.0):
        want = [_pure_direct(eps, a) for a in ORDERS]
        np.testing.assert_allclose(rc.pure_rdp(eps, ORDERS), want, rtol=1e-12)
        np.testing.assert_allclose(
            rc.exponential_rdp(eps, ORDERS),
            [min(a * eps * eps / 8, w) for a, w in zip(ORDERS, want, strict=True)],
            rtol=1e-12,
        )
    # the caps bind: a * eps^2 / 2 for small eps at small orders, eps itself never exceeded
    assert rc.pure_rdp(0.01, np.array([1.5]))[0] == pytest.approx(_pure_direct(0.01, 1.5), rel=1e-12)
    assert rc.pure_rdp(3.0, np.array([1e6]))[0] == pytest.approx(3.0, rel=1e-5)  # tends to eps, never above
    np.testing.assert_array_equal(rc.pure_rdp(0.0, ORDERS), np.zeros(ORDERS.size))
    assert np.all(np.isinf(rc.pure_rdp(math.inf, ORDERS)))


def test_rdp_to_epsilon_is_the_balle_et_al_bound() -> None:
    curve = rc.gaussian_rdp(3.0, ORDERS)
    delta = 1e-6
    terms = [
        c + math.log((a - 1) / a) - (math.log(delta) + math.log(a)) / (a - 1)
        for c, a in zip(curve, ORDERS, strict=True)
    ]
    eps, order = rc.rdp_to_epsilon(curve, ORDERS, delta)
    i = int(np.argmin(terms))
    assert eps == pytest.approx(terms[i], rel=1e-14) and order == ORDERS[i]
    assert rc.rdp_to_epsilon(np.zeros(ORDERS.size), ORDERS, 0.5)[0] == 0.0  # never negative
    inf_eps, nan_order = rc.rdp_to_epsilon(curve, ORDERS, 0.0)
    assert inf_eps == math.inf and math.isnan(nan_order)
    assert rc.rdp_to_epsilon(curve, ORDERS, -1.0)[0] == math.inf
    all_nan = rc.rdp_to_epsilon(np.full(2, np.nan), np.array([2.0, 3.0]), 1e-5)
    assert all_nan[0] == math.inf and math.isnan(all_nan[1])
    # a NaN at one order is skipped, not propagated
    part = rc.rdp_to_epsilon(np.array([np.nan, curve[1]]), ORDERS[:2], delta)
    assert part[1] == 2.0 and part[0] == pytest.approx(terms[1], rel=1e-14)


def test_fractional_orders_with_a_long_series_match_direct_integration() -> None:
    # sigma 0.8, q 0.1: the erfc series needs thousands of terms before they drop below exp(-30)
    from scipy import integrate, stats

    # (stopping after the first 64 terms would be off by ~3e-6 at the larger orders)
    sigma, q = 0.8, 0.1
    for alpha in (2.5, 8.5, 10.9):

        def f(z: float, a: float = alpha) -> float:
            p0 = stats.norm.pdf(z, 0, sigma)
            mix = (1 - q) * p0 + q * stats.norm.pdf(z, 1, sigma)
            return p0 * (mix / p0) ** a

        a_alpha, _ = integrate.quad(f, -30, 30, epsabs=0, epsrel=1e-13, limit=1000)
        got = rc.subsampled_gaussian_rdp(sigma, q, np.array([alpha]))[0]
        assert got == pytest.approx(math.log(a_alpha) / (alpha - 1), rel=1e-10)


def test_pure_curve_at_epsilon_one() -> None:
    np.testing.assert_allclose(rc.pure_rdp(1.0, ORDERS), [_pure_direct(1.0, a) for a in ORDERS], rtol=1e-12)
    assert rc.pure_rdp(1.0, ORDERS).min() > 0


def test_many_fractional_orders_at_once_equal_one_at_a_time() -> None:
    # the series is truncated per order: a vectorised call must match the scalar calls exactly
    orders = np.array([1.5, 2.5, 3.25, 7.5, 10.9, 20.5])
    for sigma, q in ((0.8, 0.1), (1.1, 0.01)):
        together = rc.subsampled_gaussian_rdp(sigma, q, orders)
        alone = [rc.subsampled_gaussian_rdp(sigma, q, np.array([a]))[0] for a in orders]
        np.testing.assert_allclose(together, alone, rtol=1e-12)
