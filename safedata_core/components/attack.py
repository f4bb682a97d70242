"""``Attack``: an empirical privacy attack on a release, reported against baselines."""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from safedata_core.components.base import Component, P
from safedata_core.components.step import StepInputs, StepOutput

if TYPE_CHECKING:
    from safedata_core.data import Table

__all__ = ["Attack", "AttackResult", "wilson_interval"]


def wilson_interval(successes: float, n: int, *, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a binomial rate (``(0, 1)`` when ``n == 0``)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class AttackResult:
    """What an attack achieved, as anonymeter reports it.

    ``risk = (success_rate - control_rate) / (1 - control_rate)``, with its 95%
    interval; rates are shares of ``n_attempts``. ``details`` may carry AUC,
    TPR at low FPR, per-column figures and the like.
    """

    success_rate: float
    baseline_rate: float
    n_attempts: int
    control_rate: float | None = None
    risk: float = 0.0
    risk_ci: tuple[float, float] = (0.0, 0.0)
    success_ci: tuple[float, float] = (0.0, 0.0)
    baseline_ci: tuple[float, float] = (0.0, 0.0)
    control_ci: tuple[float, float] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_counts(
        cls,
        *,
        successes: float,
        baseline_successes: float,
        n_attempts: int,
        control_successes: float | None = None,
        n_control: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> AttackResult:
        """Build a result with rates, Wilson intervals and the control-adjusted risk."""
        n = max(n_attempts, 0)
        success = successes / n if n else 0.0
        baseline = baseline_successes / n if n else 0.0
        s_ci = wilson_interval(successes, n)
        b_ci = wilson_interval(baseline_successes, n)
        if control_successes is not None:
            nc = n_control if n_control is not None else n
            control = control_successes / nc if nc else 0.0
            c_ci = wilson_interval(control_successes, nc)
        else:  # no control set: the baseline plays its part
            control, c_ci = baseline, b_ci
        risk, risk_ci = _relative_risk(success, s_ci, control, c_ci)
        return cls(
            success_rate=success,
            baseline_rate=baseline,
            n_attempts=n,
            control_rate=control if control_successes is not None else None,
            risk=risk,
            risk_ci=risk_ci,
            success_ci=s_ci,
            baseline_ci=b_ci,
            control_ci=c_ci if control_successes is not None else None,
            details=details or {},
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _relative_risk(
    main: float, main_ci: tuple[float, float], control: float, control_ci: tuple[float, float]
) -> tuple[float, tuple[float, float]]:
    """anonymeter's privacy risk ``(main - control) / (1 - control)`` and its interval."""
    if control >= 1:
        return 0.0, (0.0, 0.0)
    risk = min(1.0, max(-1.0, (main - control) / (1 - control)))
    lo = (main_ci[0] - control_ci[1]) / (1 - control_ci[1]) if control_ci[1] < 1 else -1.0
    hi = (main_ci[1] - control_ci[0]) / (1 - control_ci[0]) if control_ci[0] < 1 else 1.0
    return risk, (max(-1.0, lo), min(1.0, hi))


class Attack(Component[P]):
    """Base class for attacks (``privacy = "none"``: an evaluation, not a release)."""

    kind: ClassVar[str] = "attack"
    privacy: ClassVar[Literal["none"]] = "none"

    @abstractmethod
    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        """Attack ``released`` using ``original`` (members) and ``control`` (non-members)."""

    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Attack the step's target with the input data as members and the holdout as non-members."""
        original = inputs.require_data()
        released = inputs.target if inputs.target is not None else original
        return StepOutput(result=self.run(original, released, inputs.holdout, seed=inputs.seed).to_dict())
