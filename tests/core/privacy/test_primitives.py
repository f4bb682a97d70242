"""DP primitives: correct charges, correct values at large epsilon, correct noise, one-line errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from safedata_core.errors import DataError, PrivacyBudgetError
from safedata_core.privacy import (
    dp_bin_edges,
    dp_covariance,
    dp_mean,
    dp_quantiles,
    dp_second_moments,
    dp_select_categories,
    gaussian_multiplier,
    gaussian_noisy_counts,
    noisy_histogram,
    nonnegative_normalise,
)
from safedata_core.privacy.primitives import selection_threshold
from safedata_core.testing.contracts import make_budget


def _kinds(budget) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.event.mechanism for c in budget.charges]


@pytest.mark.parametrize("mechanism", ["laplace", "geometric", "gaussian"])
def test_noisy_histogram(mechanism: str) -> None:
    codes = np.repeat(np.arange(5), [10, 0, 3, 7, 1])
    budget = make_budget(1.0, 1e-5)
    big = make_budget(1e6, 1e-5)
    out = noisy_histogram(codes, 5, budget=big, epsilon=1e5, mechanism=mechanism, delta=1e-6)
    np.testing.assert_allclose(out, [10, 0, 3, 7, 1], atol=0.01)
    assert _kinds(big) == ["discrete_gaussian" if mechanism == "gaussian" else "geometric"]
    # noise distribution of the real thing (1 cell, many cells = many draws): exact integers at the scale
    many = noisy_histogram(np.zeros(0, dtype=int), 100_000, budget=budget, epsilon=0.5, mechanism=mechanism, delta=5e-6)
    assert np.all(many == np.rint(many))
    if mechanism == "gaussian":
        sigma = gaussian_multiplier(0.5, 5e-6)
        assert budget.charges[0].event.params["noise_multiplier"] == pytest.approx(sigma)
        assert many.var() == pytest.approx(sigma**2, rel=0.03)
    else:
        assert many.var() == pytest.approx(2 * math.exp(-0.5) / (1 - math.exp(-0.5)) ** 2, rel=0.03)


def test_noisy_histogram_errors() -> None:
    with pytest.raises(DataError, match=r"\[0, 3\)"):
        noisy_histogram(np.array([0, 3]), 3, budget=make_budget(), epsilon=1.0, rng=np.random.default_rng(0))
    with pytest.raises(PrivacyBudgetError, match="delta"):
        noisy_histogram(
            np.array([0]), 3, budget=make_budget(), epsilon=1.0, rng=np.random.default_rng(0), mechanism="gaussian"
        )
    with pytest.raises(PrivacyBudgetError, match="above its share"):
        noisy_histogram(np.array([0]), 3, budget=make_budget(1.0), epsilon=2.0, rng=np.random.default_rng(0))


def test_gaussian_noisy_counts_charges_noise_multiplier() -> None:
    budget = make_budget(2.0, 1e-5)
    out = gaussian_noisy_counts(np.zeros(50_000), sigma=8.0, budget=budget)
    assert np.all(out == np.rint(out)) and out.var() == pytest.approx(64.0, rel=0.03)
    (c,) = budget.charges
    assert c.event.mechanism == "discrete_gaussian" and c.event.params["noise_multiplier"] == 8.0
    # many of them compose well below the naive sum thanks to RDP
    for _ in range(5):
        gaussian_noisy_counts(np.zeros(3), sigma=8.0, budget=budget)
    assert budget.spent().epsilon < 6 * c.event.epsilon


def test_dp_quantiles_and_bins() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, 20_000)
    budget = make_budget(10.0)
    qs = dp_quantiles(x, [0.25, 0.5, 0.75], bounds=(0, 100), budget=budget, epsilon=3.0, rng=rng)
    np.testing.assert_allclose(qs, [25, 50, 75], atol=1.5)
    assert budget.charges[0].event.count == 3
    assert budget.charges[0].event.params["epsilon_each"] == pytest.approx(1.0)
    edges = dp_bin_edges(x, 4, bounds=(0, 100), budget=budget, epsilon=3.0, rng=rng)
    assert edges[0] == 0 and edges[-1] == 100 and np.all(np.diff(edges) > 0) and len(edges) == 5
    assert _kinds(budget) == ["exponential", "exponential"]
    # with values outside the bounds and NaN: clipped/dropped, output stays inside the bounds
    q = dp_quantiles(np.array([np.nan, -5, 500, 3]), [0.5], bounds=(0, 10), budget=make_budget(), epsilon=0.5, rng=rng)
    assert 0 <= q[0] <= 10


def test_dp_quantile_distribution_is_the_exponential_mechanism() -> None:
    # for data [lo, ..] with one interior point the selection probability of each gap is known exactly
    x = np.array([2.0])
    rng = np.random.default_rng(4)
    draws = np.array(
        [dp_quantiles(x, [0.5], bounds=(0, 10), budget=make_budget(), epsilon=1.0, rng=rng)[0] for _ in range(3000)]
    )
    w = np.array([2.0, 8.0])  # gaps [0,2] and [2,10], utilities -0.5 and -0.5
    p_left = w[0] / w.sum()
    assert abs((draws < 2).mean() - p_left) < 3 * math.sqrt(p_left * (1 - p_left) / 3000) + 1e-3


def test_dp_select_categories_threshold() -> None:
    vals = np.array(["a"] * 200 + ["b"] * 1 + [None] * 5, dtype=object)
    budget = make_budget(1.0, 1e-5)
    cats = dp_select_categories(vals, budget=budget, epsilon=1.0, delta=1e-6)
    assert cats == ["a"]
    (c,) = budget.charges
    assert c.event.mechanism == "approx" and c.event.delta == 1e-6
    # independent derivation: a category held by one record (count 1) is released iff 1 + Z >= tau,
    # P = p^(tau-1) / (1+p) for discrete Laplace with p = e^-eps; tau is the smallest integer making it <= delta
    p = math.exp(-1.0)
    tau = c.event.params["threshold"]
    assert p ** (tau - 1) / (1 + p) <= 1e-6 < p ** (tau - 2) / (1 + p)
    with pytest.raises(PrivacyBudgetError, match="delta"):
        dp_select_categories(vals, budget=budget, epsilon=0.1, delta=0.0)


def test_dp_select_categories_release_frequency_matches_the_noise() -> None:
    # 3000 categories each held by tau-1 records: each is released iff Z >= 1, P = p / (1 + p)
    eps, delta = 1.0, 1e-3
    tau = selection_threshold(eps, delta)
    vals = np.repeat(np.arange(3000).astype(str), tau - 1)
    kept = len(dp_select_categories(vals, budget=make_budget(1.0, 1e-2), epsilon=eps, delta=delta))
    p = math.exp(-eps)
    expected = p / (1 + p)
    assert abs(kept / 3000 - expected) < 5 * math.sqrt(expected * (1 - expected) / 3000)


def test_dp_mean_and_covariance() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(40, 5, 50_000)
    budget = make_budget(2.0, 1e-5)
    m = dp_mean(x, bounds=(0, 100), budget=budget, epsilon=1.0)
    assert m == pytest.approx(40, abs=0.5)
    assert _kinds(budget) == ["geometric", "geometric"]
    sum_event, count_event = (c.event for c in budget.charges)
    assert sum_event.params["real_sensitivity"] == 50.0 and sum_event.epsilon == 0.5
    assert count_event.params == {"sensitivity": 1, "scale": 2.0}
    X = rng.multivariate_normal([0, 0, 0], [[1, 0.5, 0], [0.5, 2, -0.3], [0, -0.3, 1]], 50_000)
    cov = dp_covariance(X, clip_norm=8.0, budget=budget, epsilon=0.9, delta=1e-5)
    np.testing.assert_allclose(cov, [[1, 0.5, 0], [0.5, 2, -0.3], [0, -0.3, 1]], atol=0.15)
    assert np.all(np.linalg.eigvalsh(cov) >= -1e-12)
    assert budget.spent().epsilon <= 2.0 + 1e-9
    with pytest.raises(DataError, match="NaN"):
        dp_covariance(np.array([[np.nan, 1.0]]), clip_norm=1, budget=make_budget(), epsilon=0.1, delta=1e-6)


def test_dp_mean_sum_noise_has_the_calibrated_scale() -> None:
    # all values at the midpoint: the centred sum is 0, so the output's spread is the sum noise / n
    n, half, e = 100, 1000.0, 1.0
    outs = np.array(
        [dp_mean(np.zeros(n), bounds=(-half, half), budget=make_budget(2.0), epsilon=2 * e) for _ in range(1500)]
    )
    # Var(noisy_sum / noisy_n) ~ Var(Laplace(half/e)) / n^2 = 2 (half/e)^2 / n^2 (count noise only scales it by ~1)
    expected = 2 * (half / e) ** 2 / n**2
    ratio = outs.var() / expected
    assert 0.75 < ratio < 1.35  # a halved (or 1.5x) noise scale gives 0.25 (2.25)


def test_dp_covariance_noise_matches_the_sqrt3_sensitivity() -> None:
    # a record changes the upper triangle of X^T X / C^2 by ||x||^2 <= 1, the sums by ||x|| <= 1 and the count by 1:
    # L2 sensitivity sqrt(1 + 1 + 1). With all-zero rows the released second moments are pure noise.
    eps, delta = 1.0, 1e-5
    sigma = gaussian_multiplier(eps, delta) * math.sqrt(1 + 1 + 1)
    budget = make_budget(1.0, 1e-5)
    S, s1, _ = dp_second_moments(np.zeros((100, 40)), clip_norm=1.0, budget=budget, epsilon=eps, delta=delta)
    (c,) = budget.charges
    assert c.event.params["sigma"] == pytest.approx(sigma) and c.event.params["noise_multiplier"] == pytest.approx(
        sigma / math.sqrt(3)
    )
    noise = np.concatenate([S[np.triu_indices(40)], s1])  # 860 + 40 draws
    ratio = noise.var() / sigma**2
    assert 0.8 < ratio < 1.25  # sensitivity 1 instead of sqrt(3) gives 1/3


def test_nonnegative_normalise() -> None:
    np.testing.assert_allclose(nonnegative_normalise(np.array([-1.0, 1.0, 3.0])), [0, 0.25, 0.75])
    np.testing.assert_allclose(nonnegative_normalise(np.array([-1.0, -2.0])), [0.5, 0.5])
