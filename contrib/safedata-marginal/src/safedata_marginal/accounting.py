"""Privacy planning for the marginal synthesizers: the noise of a batch of measurements, against the ledger.

Measurements are exact discrete Gaussian noise on integer counts
(:class:`~safedata_core.privacy.DiscreteGaussian`, L2 sensitivity 1: one
record changes one cell by one), charged as ``discrete_gaussian`` events;
selections are :class:`~safedata_core.privacy.Exponential` events. Planning
never uses closed-form shortcuts for the final calibration: the noise of the
last batch of measurements is found by bisection on the ledger's own
composition (``BudgetShare.compose``) of the events already charged in this
step plus the planned ones, so the step's composed epsilon lands on its share
and never above it.
"""

from __future__ import annotations

import math

from safedata_core import PrivacyBudgetError
from safedata_core.privacy import BudgetShare, DiscreteGaussian, PrivacyEvent

__all__ = ["Planner", "measurement"]


def measurement(sigma: float, budget: BudgetShare) -> DiscreteGaussian:
    """The mechanism of one noisy marginal: discrete Gaussian of std ``sigma`` on counts (L2 sensitivity 1)."""
    return DiscreteGaussian(float(sigma), 1.0, budget.delta)


class Planner:
    """Plans the noise of a DP fit so the step's composed epsilon equals its share."""

    def __init__(self, budget: BudgetShare) -> None:
        self.budget = budget

    def composed(self, planned: list[PrivacyEvent] | None = None) -> float:
        """The ledger's composed epsilon for this step with ``planned`` events added."""
        return float(self.budget.compose(list(planned or [])))

    def gaussian_event(self, sigma: float) -> PrivacyEvent:
        """The exact event a measurement with noise ``sigma`` records."""
        return measurement(sigma, self.budget).event(self.budget)

    def sigma_for(self, count: int, extra: list[PrivacyEvent] | None = None, target: float | None = None) -> float:
        """Smallest sigma such that ``count`` measurements (after ``extra``) compose to the share (never above)."""
        target = self.budget.epsilon if target is None else target
        extra = list(extra or [])
        if self.composed(extra) >= target:
            raise PrivacyBudgetError(
                f"step '{self.budget.step}': {self.budget.component} has no budget left for its measurements "
                f"(epsilon share {self.budget.epsilon:g} already used); raise the step's privacy share"
            )

        def eps(log_sigma: float) -> float:
            return self.composed(extra + [self.gaussian_event(math.exp(log_sigma))] * count)

        lo, hi = math.log(1e-3), math.log(1e7)
        if eps(hi) > target:
            raise PrivacyBudgetError(
                f"step '{self.budget.step}': {self.budget.component} cannot fit {count} measurements in the "
                f"remaining epsilon; raise the step's privacy share"
            )
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if eps(mid) > target:
                lo = mid
            else:
                hi = mid
        return math.exp(hi)

    def total_rho(self) -> float:
        """zCDP rho of the whole remaining share, used to split it between the stages of a fit.

        Two half-measurements, not one: a single Gaussian event's standalone epsilon
        is tighter than what many measurements composed by RDP can get.
        """
        sigma = self.sigma_for(2)
        return 2.0 / (2.0 * sigma**2)
