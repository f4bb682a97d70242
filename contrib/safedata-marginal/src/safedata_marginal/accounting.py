"""Privacy bookkeeping for the marginal synthesizers: measure, select, and plan against the ledger.

Every noisy measurement goes through the core primitive
``safedata_core.privacy.gaussian_noisy_counts`` (one ``gaussian`` event with
its noise multiplier); every private choice is an exponential mechanism
charged as an ``exponential`` event. Planning never uses closed-form
shortcuts: the noise scale of a batch of measurements is found by bisection
on the ledger's own composition (``compose``) of the events already charged
in this step plus the planned ones, so the step's composed epsilon lands on
its share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from safedata_core import PrivacyBudgetError
from safedata_core.privacy import Budget, Ledger, PrivacyEvent

__all__ = ["Planner", "exponential_select"]


def exponential_select(
    scores: np.ndarray, *, sensitivity: float, epsilon: float, budget: Any, rng: np.random.Generator, note: str
) -> int:
    """Index chosen by the exponential mechanism (Gumbel-max form) on ``scores``; charges ``epsilon``.

    ``budget=None`` means a non-private run: the best score is returned.
    """
    scores = np.asarray(scores, dtype=float)
    if budget is None:
        return int(np.argmax(scores))
    _charge_exponential(budget, epsilon, note)
    noisy = epsilon / (2.0 * sensitivity) * scores + rng.gumbel(size=scores.shape)
    return int(np.argmax(np.where(np.isfinite(scores), noisy, -np.inf)))


def _charge_exponential(budget: Any, epsilon: float, note: str) -> None:
    """One exponential-mechanism selection: epsilon-DP and epsilon-bounded-range (the RDP accountant uses both)."""
    budget.charge("exponential", epsilon=epsilon, count=1, note=note, epsilon_each=epsilon)


def _exponential_event(epsilon: float) -> PrivacyEvent:
    scratch = Ledger(Budget(math.inf, 0.5)).share("plan", "plan", Budget(math.inf, 0.5))
    _charge_exponential(scratch, epsilon, "plan")
    return scratch.charges[-1].event


class Planner:
    """Plans the noise of a DP fit so the step's composed epsilon equals its share."""

    def __init__(self, budget: Any) -> None:
        self.budget = budget
        self._gauss: dict[float, PrivacyEvent] = {}

    def spent_events(self) -> list[PrivacyEvent]:
        return list(self.budget.events())

    def composed(self, planned: list[PrivacyEvent] | None = None) -> float:
        """The ledger's composed epsilon for this step with ``planned`` events added."""
        return float(self.budget.compose(list(planned or [])))

    def gaussian_event(self, sigma: float) -> PrivacyEvent:
        """The exact event ``gaussian_noisy_counts`` records for ``sigma`` (taken from a scratch ledger)."""
        if sigma not in self._gauss:
            from safedata_core.privacy import gaussian_noisy_counts

            plan = Budget(math.inf, self.budget.delta)
            scratch = Ledger(plan).share("plan", "plan", plan)
            gaussian_noisy_counts(np.zeros(1), sigma=sigma, budget=scratch, rng=np.random.default_rng(0), note="plan")
            self._gauss[sigma] = scratch.charges[-1].event
        return self._gauss[sigma]

    def exponential_event(self, epsilon: float) -> PrivacyEvent:
        return _exponential_event(epsilon)

    def sigma_for(self, count: int, extra: list[PrivacyEvent] | None = None, target: float | None = None) -> float:
        """Smallest sigma such that ``count`` Gaussian measurements (after ``extra``) compose to the share."""
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
        self._gauss = {}
        return math.exp(hi)

    def total_rho(self) -> float:
        """zCDP rho of one Gaussian measurement that would use the whole remaining share (for splitting)."""
        # two half-measurements, not one: a single Gaussian event is composed by its exact standalone
        # epsilon (tighter than RDP), which would overstate what many measurements can get
        sigma = self.sigma_for(2)
        return 2.0 / (2.0 * sigma**2)
