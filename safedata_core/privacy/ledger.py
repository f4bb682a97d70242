"""The privacy ledger: budget shares per pipeline step, every charge, composed totals.

The runner creates one :class:`Ledger` per run with the pipeline's total
budget and hands each DP step a :class:`BudgetShare`. A component spends by
calling ``share.charge(...)`` *before* it releases anything computed with the
noise; a charge that would take the step past its share raises
:class:`~safedata_core.PrivacyBudgetError` and is not recorded.

Totals are composed with the chosen accountant (RDP by default) and, as a
fallback that is always valid, with basic composition; the smaller is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy.accountants import BasicAccountant, create_accountant
from safedata_core.privacy.budget import Budget, MechanismKind, PrivacyEvent
from safedata_core.privacy.noise import NoiseSource

__all__ = ["BudgetShare", "Charge", "Ledger"]

_TOL = 1e-9


@dataclass(frozen=True)
class Charge:
    """One recorded spend: which step and component, and the event."""

    step: str
    component: str
    event: PrivacyEvent
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = self.event.to_dict()
        return {
            "step": self.step,
            "component": self.component,
            "mechanism": d["mechanism"],
            "epsilon": d["epsilon"],
            "delta": d["delta"],
            "count": d["count"],
            "params": d["params"],
            "note": self.note,
        }


class Ledger:
    """All charges of a run, against a total budget (``None`` = no DP budget)."""

    def __init__(self, budget: Budget | None = None, *, accountant: str = "rdp") -> None:
        self.budget = budget
        self.accountant_name = accountant
        self._accountant = create_accountant(accountant)
        self._basic = BasicAccountant()
        self.charges: list[Charge] = []
        self.shares: dict[str, Budget] = {}

    # -- shares --------------------------------------------------------------
    def share(self, step: str, component: str, share: Budget) -> BudgetShare:
        """Reserve ``share`` for ``step``; refuses shares that exceed what is left."""
        if self.budget is None:
            raise PrivacyBudgetError(
                f"step '{step}': component '{component}' is DP but the pipeline has no privacy "
                "budget (add privacy: {epsilon: ..., delta: ...} to the pipeline)"
            )
        if step in self.shares:
            raise PrivacyBudgetError(f"step '{step}' already has a budget share")
        eps = sum(b.epsilon for b in self.shares.values()) + share.epsilon
        delta = sum(b.delta for b in self.shares.values()) + share.delta
        if eps > self.budget.epsilon * (1 + _TOL) or delta > self.budget.delta * (1 + _TOL):
            raise PrivacyBudgetError(
                f"step '{step}': share (epsilon={share.epsilon:g}, delta={share.delta:g}) takes the "
                f"total to (epsilon={eps:g}, delta={delta:g}), above the budget "
                f"(epsilon={self.budget.epsilon:g}, delta={self.budget.delta:g}); lower the step shares"
            )
        self.shares[step] = share
        return BudgetShare(self, step, component, share)

    # -- composition ------------------------------------------------------
    def events(self, step: str | None = None) -> list[PrivacyEvent]:
        return [c.event for c in self.charges if step is None or c.step == step]

    def compose(self, events: list[PrivacyEvent], delta: float) -> float:
        """Tightest epsilon for ``events`` at ``delta``: min of the accountant and basic composition."""
        if not events:
            return 0.0
        return min(self._accountant.epsilon(events, delta), self._basic.epsilon(events, delta))

    def spent(self, step: str | None = None) -> Budget:
        """The composed spend of one step (against its share's delta) or of the whole run."""
        events = self.events(step)
        if not events:
            return Budget(0.0, 0.0)
        if step is not None:
            delta = self.shares[step].delta
        else:
            delta = self.budget.delta if self.budget is not None else sum(e.delta for e in events)
        eps = self.compose(events, delta)
        if step is None and self.shares:
            # per-step guarantees compose by basic composition too
            eps = min(eps, sum(self.spent(s).epsilon for s in self.shares))
        basic_delta = sum(e.delta for e in events)
        used_delta = basic_delta if eps == self._basic.epsilon(events, delta) else delta
        return Budget(eps, min(used_delta, delta) if delta else used_delta)

    def to_dict(self) -> dict[str, Any]:
        spent = self.spent()
        return {
            "accountant": self.accountant_name,
            "budget": self.budget.to_dict() if self.budget else None,
            "spent": spent.to_dict(),
            "shares": {k: v.to_dict() for k, v in self.shares.items()},
            "charges": [c.to_dict() for c in self.charges],
        }


class BudgetShare:
    """A step's slice of the run budget; the ``budget`` a DP component receives."""

    def __init__(self, ledger: Ledger, step: str, component: str, share: Budget) -> None:
        self._ledger = ledger
        self.step = step
        self.component = component
        self.epsilon = share.epsilon
        self.delta = share.delta
        self.noise: NoiseSource = NoiseSource.secure()  # the runner replaces it in reproducible-test mode

    @property
    def secure(self) -> bool:
        """True when this share's DP noise comes from the CSPRNG (the default)."""
        return self.noise.is_secure

    def noise_rng(self, seed: int | None = None) -> np.random.Generator:
        """Deprecated: the generator DP randomness must be drawn from (``self.noise.generator``).

        ``seed`` is ignored: DP noise never derives from the pipeline seed.
        """
        return self.noise.generator

    @property
    def accountant(self) -> str:
        return self._ledger.accountant_name

    def spent(self) -> Budget:
        return self._ledger.spent(self.step)

    @property
    def charges(self) -> list[Charge]:
        """This step's recorded charges, in order."""
        return [c for c in self._ledger.charges if c.step == self.step]

    def events(self) -> list[PrivacyEvent]:
        """This step's recorded events, in order."""
        return self._ledger.events(self.step)

    def compose(self, planned: list[PrivacyEvent] | None = None) -> float:
        """Epsilon of this step's events plus ``planned`` ones, at the share's delta.

        Lets a component plan its next charges exactly (e.g. calibrate the last
        measurement so the step spends its whole share) without recording them.
        """
        return self._ledger.compose([*self.events(), *(planned or [])], self.delta)

    def remaining_epsilon(self) -> float:
        """Epsilon left under basic composition (a safe amount to plan a next charge with)."""
        basic = sum(e.epsilon for e in self._ledger.events(self.step))
        return max(0.0, self.epsilon - basic)

    def remaining_delta(self) -> float:
        return max(0.0, self.delta - sum(e.delta for e in self._ledger.events(self.step)))

    def charge(
        self,
        mechanism: MechanismKind,
        *,
        epsilon: float,
        delta: float = 0.0,
        count: int = 1,
        note: str = "",
        **params: Any,
    ) -> PrivacyEvent:
        """Record a DP computation; raises ``PrivacyBudgetError`` if it exceeds the share.

        Call this before releasing anything the computation produced. Noise itself
        should be added with :func:`safedata_core.privacy.add_noise`, which charges too.
        """
        return self.record(PrivacyEvent(mechanism, float(epsilon), float(delta), int(count), dict(params)), note=note)

    def record(self, event: PrivacyEvent, *, note: str = "") -> PrivacyEvent:
        """Record a prepared event (see :meth:`charge`); raises ``PrivacyBudgetError`` beyond the share."""
        mechanism, epsilon, delta = event.mechanism, event.epsilon, event.delta
        if not math.isfinite(epsilon) or epsilon < 0:
            raise PrivacyBudgetError(
                f"step '{self.step}': {self.component} charged epsilon={epsilon}; a DP charge "
                "needs a finite epsilon >= 0"
            )
        events = [*self._ledger.events(self.step), event]
        eps = self._ledger.compose(events, self.delta)
        if eps > self.epsilon * (1 + _TOL) + _TOL:
            raise PrivacyBudgetError(
                f"step '{self.step}': {self.component} tried to spend {mechanism} "
                f"(epsilon={epsilon:g}, delta={delta:g}) taking the step to epsilon={eps:.6g}, "
                f"above its share (epsilon={self.epsilon:g}, "
                f"delta={self.delta:g}); raise the step's privacy share or lower the work"
            )
        self._ledger.charges.append(Charge(self.step, self.component, event, note))
        return event
