"""Statistical assertions for noise: does a sample of draws have the calibrated scale?

:func:`assert_noise_variance` compares the sample variance of ``n`` i.i.d.
draws with the variance the calibration promises. Under the null (right
scale), the relative error of the sample variance has standard deviation
about ``sqrt((kurtosis - 1) / n)``; the check allows ``z`` of those (default
5: a false-alarm rate below 1e-6 under the normal approximation, taking the
kurtosis of the Laplace law, 6, which bounds the Gaussian's 3 and the discrete
Laplace's). With the default 20,000 draws the allowed relative error is 7.9%,
so noise at 1.5 times (variance x2.25) or 1/1.5 times (x0.44) the calibrated
scale fails with certainty for practical purposes.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "NOISE_DRAWS",
    "assert_noise_variance",
    "discrete_laplace_variance",
    "expected_noise_variance",
    "variance_tolerance",
]

#: draws used by the mechanism contract's scale check
NOISE_DRAWS = 20_000
_LAPLACE_KURTOSIS = 6.0


def variance_tolerance(n: int, *, z: float = 5.0, kurtosis: float = _LAPLACE_KURTOSIS) -> float:
    """Allowed relative error of a sample variance of ``n`` draws (``z`` standard deviations)."""
    return z * math.sqrt((kurtosis - 1.0) / n)


def discrete_laplace_variance(scale: float) -> float:
    """Variance of the discrete Laplace law P(k) ~ exp(-|k| / scale): ``2p / (1 - p)^2`` with ``p = e^(-1/scale)``."""
    p = math.exp(-1.0 / scale)
    return 2.0 * p / (1.0 - p) ** 2


def expected_noise_variance(mechanism: str, *, epsilon: float, delta: float, sensitivity: float) -> float | None:
    """Variance the (epsilon, delta) calibration promises, recomputed from the charge (not from the component).

    ``laplace``: ``2 (sensitivity / epsilon)^2``; ``geometric``: the discrete
    Laplace variance at scale ``sensitivity / epsilon``; ``gaussian``: the
    analytic-Gaussian sigma of Balle & Wang for (epsilon, delta); ``discrete_gaussian``:
    the noise multiplier whose RDP conversion is (epsilon, delta). ``None`` for
    kinds that add no additive noise (e.g. ``exponential``).
    """
    if mechanism == "laplace":
        return 2.0 * (sensitivity / epsilon) ** 2
    if mechanism == "geometric":
        return discrete_laplace_variance(sensitivity / epsilon)
    if mechanism == "gaussian":
        from safedata_core.privacy.calibration import analytic_gaussian_sigma

        return analytic_gaussian_sigma(epsilon, delta, sensitivity) ** 2
    if mechanism == "discrete_gaussian":
        # the smallest noise multiplier whose RDP conversion gives (epsilon, delta): exact discrete Gaussian
        from safedata_core.privacy.noising import gaussian_multiplier

        return (gaussian_multiplier(epsilon, delta) * sensitivity) ** 2
    return None


def assert_noise_variance(draws: np.ndarray, expected: float, *, z: float = 5.0, what: str = "noise") -> None:
    """Fail unless the sample variance of ``draws`` is within ``z`` standard errors of ``expected``."""
    x = np.asarray(draws, dtype=float).ravel()
    assert x.size >= 1000, f"{what}: need at least 1000 draws for a variance test, got {x.size}"
    assert np.isfinite(x).all(), f"{what}: draws contain non-finite values"
    ratio = float(x.var(ddof=1)) / expected
    tol = variance_tolerance(x.size, z=z)
    assert abs(ratio - 1.0) <= tol, (
        f"{what}: sample variance is {ratio:.3f} x the calibrated variance {expected:.6g} "
        f"({x.size} draws; allowed 1 +- {tol:.3f}): the noise scale does not match the charge"
    )
