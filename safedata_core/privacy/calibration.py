"""Noise calibration: DP-SGD epsilon, noise multipliers by bisection, analytic Gaussian.

* :func:`dpsgd_epsilon` — epsilon of ``steps`` Poisson-subsampled Gaussian steps
  under a named accountant.
* :func:`calibrate_noise` — the smallest noise multiplier whose epsilon is at
  most the target, by bisection on that exact accountant (never a closed form);
  :func:`calibrate_noise_epochs` is the (dataset size, batch size, epochs) form.
* :func:`analytic_gaussian_sigma` / :func:`gaussian_epsilon` — the exact
  (epsilon, delta) trade-off of one Gaussian mechanism (Balle & Wang 2018,
  "Improving the Gaussian Mechanism for Differential Privacy", Thm. 8), solved
  numerically.
"""

from __future__ import annotations

import math

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy.accountants import create_accountant
from safedata_core.privacy.budget import PrivacyEvent

__all__ = [
    "analytic_gaussian_sigma",
    "calibrate_noise",
    "calibrate_noise_epochs",
    "dpsgd_epsilon",
    "gaussian_delta",
    "gaussian_epsilon",
    "steps_for_epochs",
]

_MAX_SIGMA = 1e7


def _check(name: str, value: float, *, low: float, high: float = math.inf, low_open: bool = True) -> None:
    ok = (value > low if low_open else value >= low) and value <= high and not math.isnan(value)
    if not ok:
        bracket = "(" if low_open else "["
        raise PrivacyBudgetError(f"{name}={value!r} is out of range; pass a value in {bracket}{low}, {high}]")


def dpsgd_epsilon(
    noise_multiplier: float, sample_rate: float, steps: int, delta: float, accountant: str = "rdp"
) -> float:
    """Epsilon of DP-SGD: ``steps`` Poisson-subsampled Gaussian steps, composed by ``accountant``."""
    _check("noise_multiplier", noise_multiplier, low=0, low_open=False)
    _check("sample_rate", sample_rate, low=0, high=1, low_open=False)
    _check("delta", delta, low=0, high=1)
    if steps < 0:
        raise PrivacyBudgetError(f"steps={steps} is negative; pass the number of DP-SGD steps (>= 0)")
    if steps == 0 or sample_rate == 0:
        return 0.0
    if noise_multiplier == 0:
        return math.inf
    event = PrivacyEvent(
        "subsampled_gaussian",
        math.inf,
        0.0,
        int(steps),
        {"noise_multiplier": float(noise_multiplier), "sample_rate": float(sample_rate)},
    )
    return float(create_accountant(accountant).epsilon([event], delta))


def calibrate_noise(
    target_epsilon: float,
    delta: float,
    sample_rate: float,
    steps: int,
    accountant: str = "rdp",
    *,
    rtol: float | None = None,
) -> float:
    """Smallest noise multiplier sigma with ``dpsgd_epsilon(sigma, ...) <= target_epsilon``.

    The root is bracketed by doubling/halving, then found by Brent's method
    (bisection safeguarded with inverse-quadratic steps) on the exact
    accountant to a relative tolerance ``rtol`` (default 1e-6 for ``rdp``,
    1e-4 for the slower ``prv``); the returned sigma is then checked to meet
    the target, so its epsilon never exceeds it.
    """
    _check("target_epsilon", target_epsilon, low=0)
    _check("sample_rate", sample_rate, low=0, high=1)
    _check("delta", delta, low=0, high=1)
    if steps < 1:
        raise PrivacyBudgetError(f"steps={steps}; calibrate_noise needs at least one DP-SGD step")
    tol = rtol if rtol is not None else (1e-6 if accountant == "rdp" else 1e-4)
    acc = create_accountant(accountant)

    def eps(sigma: float) -> float:
        event = PrivacyEvent(
            "subsampled_gaussian", math.inf, 0.0, int(steps), {"noise_multiplier": sigma, "sample_rate": sample_rate}
        )
        return float(acc.epsilon([event], delta))

    # bracket [lo, hi] with eps(lo) > target >= eps(hi); slow accountants start from the RDP answer
    hi, factor = 1.0, 2.0
    if accountant != "rdp":
        hi, factor = calibrate_noise(target_epsilon, delta, sample_rate, steps, "rdp", rtol=1e-3), 1.25
    while eps(hi) > target_epsilon:
        hi *= factor
        if hi > _MAX_SIGMA:
            raise PrivacyBudgetError(
                f"calibrate_noise: epsilon={target_epsilon:g} at delta={delta:g} needs a noise multiplier above "
                f"{_MAX_SIGMA:g}; raise the target epsilon or lower sample_rate/steps"
            )
    lo = hi / factor
    while eps(lo) <= target_epsilon:
        hi, lo = lo, lo / factor
        if lo < 1e-6:
            return hi
    from scipy import optimize

    # Brent's method: bisection safeguarded with inverse-quadratic steps, on the exact accountant
    root = optimize.brentq(lambda s: min(eps(s), 1e9) - target_epsilon, lo, hi, xtol=tol * lo / 4, rtol=tol / 4)
    sigma = min(max(root * (1 + tol / 2), lo), hi)
    while eps(sigma) > target_epsilon:  # the bracket end must be feasible; rarely more than one step
        sigma = min(sigma * (1 + tol / 2), hi)
    return float(sigma)


def steps_for_epochs(dataset_size: int, batch_size: int, epochs: float) -> tuple[float, int]:
    """(sample_rate, steps) of ``epochs`` passes with expected batch ``batch_size`` (steps rounded up)."""
    if dataset_size < 1 or batch_size < 1 or batch_size > dataset_size:
        raise PrivacyBudgetError(
            f"dataset_size={dataset_size}, batch_size={batch_size}: need 1 <= batch_size <= dataset_size"
        )
    _check("epochs", epochs, low=0)
    return batch_size / dataset_size, math.ceil(epochs * dataset_size / batch_size)


def calibrate_noise_epochs(
    target_epsilon: float,
    delta: float,
    *,
    dataset_size: int,
    batch_size: int,
    epochs: float,
    accountant: str = "rdp",
) -> float:
    """:func:`calibrate_noise` for ``epochs`` of Poisson sampling with expected batch ``batch_size``.

    ``sample_rate = batch_size / dataset_size`` and ``steps = ceil(epochs * dataset_size / batch_size)``.
    The dataset size used to set the sample rate must be public (or a DP estimate).
    """
    q, steps = steps_for_epochs(dataset_size, batch_size, epochs)
    return calibrate_noise(target_epsilon, delta, q, steps, accountant)


def gaussian_delta(epsilon: float, sigma: float, sensitivity: float = 1.0) -> float:
    """Exact delta of the Gaussian mechanism N(0, sigma^2) at ``epsilon`` (Balle & Wang 2018, Thm. 8)."""
    from scipy import special

    if sigma <= 0:
        return 1.0
    a = sensitivity / (2 * sigma)
    b = epsilon * sigma / sensitivity
    # Phi(a - b) - e^eps Phi(-a - b), the second term in log space to avoid overflow
    first = special.ndtr(a - b)
    second = math.exp(min(epsilon + float(special.log_ndtr(-a - b)), 0.0))
    return max(0.0, float(first - second))


def gaussian_epsilon(sigma: float, delta: float, sensitivity: float = 1.0) -> float:
    """Smallest epsilon for which N(0, sigma^2) with ``sensitivity`` is (epsilon, delta)-DP (bisection)."""
    _check("delta", delta, low=0, high=1)
    if sigma <= 0:
        return math.inf
    if gaussian_delta(0.0, sigma, sensitivity) <= delta:
        return 0.0
    lo, hi = 0.0, 1.0
    while gaussian_delta(hi, sigma, sensitivity) > delta:
        lo, hi = hi, hi * 2
        if hi > 1e6:
            return math.inf
    while hi - lo > 1e-12 * max(hi, 1.0):
        mid = 0.5 * (lo + hi)
        if gaussian_delta(mid, sigma, sensitivity) <= delta:
            hi = mid
        else:
            lo = mid
    return hi


def analytic_gaussian_sigma(epsilon: float, delta: float, sensitivity: float = 1.0) -> float:
    """Smallest sigma making N(0, sigma^2) (epsilon, delta)-DP for L2 ``sensitivity`` (Balle & Wang 2018).

    Solves ``Phi(D/2s - e s/D) - e^e Phi(-D/2s - e s/D) = delta`` for ``s`` by
    bisection (relative tolerance 1e-12), returning the feasible end.
    """
    _check("epsilon", epsilon, low=0)
    _check("delta", delta, low=0, high=1)
    _check("sensitivity", sensitivity, low=0)
    lo, hi = 0.0, sensitivity
    while gaussian_delta(epsilon, hi, sensitivity) > delta:
        lo, hi = hi, hi * 2
    while hi - lo > 1e-12 * hi:
        mid = 0.5 * (lo + hi)
        if gaussian_delta(epsilon, mid, sensitivity) <= delta:
            hi = mid
        else:
            lo = mid
    return hi
