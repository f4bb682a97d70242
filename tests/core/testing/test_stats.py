"""The noise-variance assertion: passes at the calibrated scale, always fails at 1.5x either way."""

from __future__ import annotations

import math

import numpy as np
import pytest

from safedata_core.privacy import discrete_laplace
from safedata_core.testing.stats import (
    NOISE_DRAWS,
    assert_noise_variance,
    discrete_laplace_variance,
    expected_noise_variance,
    variance_tolerance,
)


def test_tolerance_and_detectable_factor() -> None:
    tol = variance_tolerance(NOISE_DRAWS)
    assert tol == pytest.approx(5 * math.sqrt(5 / NOISE_DRAWS))
    # a factor 1.5 in scale is a factor 2.25 (or 0.44) in variance: far outside 1 +- tol
    assert 1 / 1.5**2 < 1 - 3 * tol and 1.5**2 > 1 + 3 * tol


def test_expected_variances() -> None:
    assert expected_noise_variance("laplace", epsilon=0.5, delta=0, sensitivity=2.0) == pytest.approx(32.0)
    p = math.exp(-0.5)
    assert discrete_laplace_variance(2.0) == pytest.approx(2 * p / (1 - p) ** 2)
    draws = discrete_laplace(np.random.default_rng(0), 2.0, 200_000)
    assert draws.var() == pytest.approx(discrete_laplace_variance(2.0), rel=0.03)
    sigma2 = expected_noise_variance("gaussian", epsilon=1.0, delta=1e-5, sensitivity=1.0)
    assert sigma2 is not None and 3.0**2 < sigma2 < 4.0**2  # analytic sigma at (1, 1e-5) is about 3.73
    assert expected_noise_variance("exponential", epsilon=1.0, delta=0, sensitivity=1.0) is None


@pytest.mark.parametrize("seed", range(5))
def test_calibrated_draws_pass_and_off_scale_draws_fail(seed: int) -> None:
    rng = np.random.default_rng(seed)
    assert_noise_variance(rng.laplace(0, 2.0, NOISE_DRAWS), 8.0)
    for factor in (1.5, 1 / 1.5):
        with pytest.raises(AssertionError, match="does not match the charge"):
            assert_noise_variance(rng.laplace(0, 2.0 * factor, NOISE_DRAWS), 8.0)


def test_too_few_draws_are_refused() -> None:
    with pytest.raises(AssertionError, match="at least 1000 draws"):
        assert_noise_variance(np.zeros(10), 1.0)
