"""A budget share capped by a zCDP curve: what one private-mode trial may spend.

The hyperparameter-selection bound needs ONE Rényi curve that holds for every
trial, whatever configuration it draws. Each trial therefore runs on its own
scratch ledger with a :class:`CappedShare`: every charge is refused (before any
noise is drawn) if the trial's composed RDP curve would exceed ``alpha * rho``
at any order. ``compose`` reports the cap's use scaled to the share's epsilon,
so components that calibrate their last measurement on ``share.compose`` (the
marginal synthesizers) fill the cap exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import Budget, BudgetShare, Ledger, PrivacyEvent
from safedata_core.privacy import rdp_curves as rc

__all__ = ["CappedShare", "capped_share", "rho_epsilon"]

_TOL = 1e-9


def rho_epsilon(rho: float, delta: float) -> float:
    """Epsilon at ``delta`` of a ``rho``-zCDP curve over the default orders (Balle et al. 2020 conversion)."""
    return rc.rdp_to_epsilon(rc.DEFAULT_ORDERS * rho, rc.DEFAULT_ORDERS, delta)[0]


class CappedShare(BudgetShare):
    """A :class:`BudgetShare` whose events must stay under the RDP curve ``alpha * rho`` at every order."""

    def __init__(self, ledger: Ledger, step: str, component: str, share: Budget, rho: float) -> None:
        super().__init__(ledger, step, component, share)
        self.rho = float(rho)

    def _usage(self, events: list[PrivacyEvent]) -> float:
        """Largest ratio of the events' RDP curve to the cap over the orders (inf: not expressible in RDP)."""
        from safedata_core.privacy.rdp import event_rdp

        orders = rc.DEFAULT_ORDERS
        total = np.zeros(orders.shape)
        for event in events:
            curve = event_rdp(event, orders)
            if curve is None:
                return float("inf")
            total = total + curve
        return float(np.max(total / (orders * self.rho)))

    def compose(self, planned: list[PrivacyEvent] | None = None) -> float:
        events = [*self.events(), *(planned or [])]
        return max(super().compose(planned), self.epsilon * self._usage(events)) if events else 0.0

    def record(self, event: PrivacyEvent, *, note: str = "") -> PrivacyEvent:
        usage = self._usage([*self.events(), event])
        if usage > 1 + _TOL:
            raise PrivacyBudgetError(
                f"tuning trial: {self.component} charged {event.mechanism} beyond the trial's zCDP cap "
                f"(rho={self.rho:.4g}, {usage:.3g}x); it needs mechanisms with a Rényi curve (not 'approx')"
            )
        return super().record(event, note=note)


def capped_share(step: str, component: str, rho: float, delta: float) -> CappedShare:
    """A fresh scratch ledger and its capped share: epsilon = the cap's epsilon at ``delta``."""
    budget = Budget(rho_epsilon(rho, delta), delta)
    ledger = Ledger(budget, accountant="rdp")
    ledger.share(step, component, budget)
    return CappedShare(ledger, step, component, budget, rho)


def trial_ledger_dict(share: CappedShare) -> dict[str, Any]:
    """The scratch ledger of a trial (for the trials table; never part of the release's ledger)."""
    return share._ledger.to_dict()
