"""``Metric``: a utility measure comparing a release with the original data."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from safedata_core.components.base import Component, P
from safedata_core.components.step import StepInputs, StepOutput

if TYPE_CHECKING:
    from safedata_core.data import Table

__all__ = ["Metric", "MetricResult"]


@dataclass
class MetricResult:
    """One summary ``score`` plus per-column or per-pair ``details``."""

    score: float
    details: dict[str, Any] = field(default_factory=dict)
    higher_is_better: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Metric(Component[P]):
    """Base class for metrics (``privacy = "none"``: an evaluation, not a release)."""

    kind: ClassVar[str] = "metric"
    privacy: ClassVar[Literal["none"]] = "none"

    @abstractmethod
    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        """Score ``released`` against ``original`` (``holdout``: real rows not used to release)."""

    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Score the step's target against the input data (the holdout as unseen real records)."""
        original = inputs.require_data()
        released = inputs.target if inputs.target is not None else original
        return StepOutput(result=self.compute(original, released, holdout=inputs.holdout, seed=inputs.seed).to_dict())
