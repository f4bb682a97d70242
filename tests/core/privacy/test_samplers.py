"""Exact samplers: the empirical distribution matches the exact pmf (chi-square), parameters round up, big path."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from safedata_core.privacy.samplers import bernoulli_exp, discrete_gaussian, discrete_laplace, rational_at_least

N = 60_000
ALPHA = 1e-4  # false-alarm rate of each goodness-of-fit test


def _chi2_pvalue(samples: np.ndarray, pmf: dict[int, float]) -> float:
    """Chi-square test of integer samples against an exact pmf, pooling cells with expected count < 5."""
    support = sorted(pmf)
    expected = np.array([pmf[k] for k in support]) * samples.size
    observed = np.array([(samples == k).sum() for k in support], dtype=float)
    keep = expected >= 5
    obs = np.append(observed[keep], samples.size - observed[keep].sum())
    exp = np.append(expected[keep], samples.size - expected[keep].sum())
    if exp[-1] < 5:  # fold the tail into the last kept cell
        obs, exp = np.append(obs[:-2], obs[-2] + obs[-1]), np.append(exp[:-2], exp[-2] + exp[-1])
    return float(stats.chisquare(obs, exp).pvalue)


def _dlap_pmf(scale: float, k: int) -> float:
    p = math.exp(-1.0 / scale)
    return (1 - p) / (1 + p) * p ** abs(k)


def _dgauss_pmf(sigma: float, support: range) -> dict[int, float]:
    w = {k: math.exp(-(k * k) / (2 * sigma * sigma)) for k in range(-60 * int(sigma + 1), 60 * int(sigma + 1) + 1)}
    z = sum(w.values())
    return {k: w[k] / z for k in support}


@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5, 17.0])
def test_discrete_laplace_matches_exact_pmf(scale: float) -> None:
    x = discrete_laplace(scale, N, np.random.default_rng(int(scale * 10)))
    assert x.dtype == np.int64
    lim = int(12 * scale) + 3
    pmf = {k: _dlap_pmf(scale, k) for k in range(-lim, lim + 1)}
    assert _chi2_pvalue(x, pmf) > ALPHA


@pytest.mark.parametrize("sigma", [0.6, 1.0, 3.3, 12.0])
def test_discrete_gaussian_matches_exact_pmf(sigma: float) -> None:
    x = discrete_gaussian(sigma, N, np.random.default_rng(int(sigma * 10)))
    assert x.dtype == np.int64
    lim = int(7 * sigma) + 2
    assert _chi2_pvalue(x, _dgauss_pmf(sigma, range(-lim, lim + 1))) > ALPHA


def test_the_gof_test_has_power_against_a_wrong_scale() -> None:
    # the same test rejects a sampler whose scale is off by a factor 1.5
    x = discrete_laplace(1.5, N, np.random.default_rng(1))
    pmf = {k: _dlap_pmf(1.0, k) for k in range(-20, 21)}
    assert _chi2_pvalue(x, pmf) < ALPHA
    y = discrete_gaussian(4.5, N, np.random.default_rng(2))
    assert _chi2_pvalue(y, _dgauss_pmf(3.0, range(-30, 31))) < ALPHA


def test_large_sigma_uses_exact_big_integer_path() -> None:
    x = discrete_gaussian(60_000.0, 4000, np.random.default_rng(3))
    assert x.dtype == np.int64
    assert stats.kstest(x / 60_000.0, "norm").pvalue > ALPHA


def test_bernoulli_exp_probabilities() -> None:
    rng = np.random.default_rng(4)
    for num, den in [(0, 1), (1, 3), (1, 1), (7, 2), (5, 1)]:
        n = 40_000
        hits = bernoulli_exp(np.full(n, num, dtype=np.int64), np.full(n, den, dtype=np.int64), rng).mean()
        p = math.exp(-num / den)
        assert abs(hits - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_parameters_round_up_never_down() -> None:
    for v in [0.1, 1 / 3, 2.0, 1e-3, 123.456]:
        r = rational_at_least(v)
        assert r >= Fraction(v) and r - Fraction(v) <= Fraction(1, 1 << 20)
    with pytest.raises(ValueError):
        rational_at_least(0.0)
