"""``Mechanism``: a DP mechanism that adds calibrated noise to values it is given."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from safedata_core.components.base import Component, P
from safedata_core.components.step import StepInputs, StepOutput

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.privacy import BudgetShare

__all__ = ["Mechanism"]


class Mechanism(Component[P]):
    """Base class for DP mechanisms (``privacy = "dp"``).

    ``randomise`` perturbs an array of query answers whose sensitivity comes
    from ``Params`` (never inferred from the data) and charges ``budget`` for
    the whole share it uses. ``release`` is the pipeline-step form: it computes
    and releases a table. A mechanism that only perturbs values leaves
    ``release`` to the default and cannot be a pipeline step: its
    ``releases_table`` is ``False`` (set automatically unless the class sets
    it), and the runner refuses such a step before any step runs, pointing at
    the table-level step (``dp_aggregate``).
    """

    kind: ClassVar[str] = "mechanism"
    privacy: ClassVar[Literal["dp"]] = "dp"
    releases_table: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "releases_table" not in vars(cls):  # a mechanism releases a table iff it implements release
            cls.releases_table = cls.release is not Mechanism.release

    @abstractmethod
    def randomise(
        self, values: np.ndarray, *, budget: BudgetShare, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """Return ``values`` plus noise calibrated to the budget; charges ``budget``.

        Implement it with :func:`safedata_core.privacy.add_noise` (noise from ``budget.noise``);
        ``rng`` is deprecated and must not be used for DP noise.
        """

    def release(self, table: Table, *, budget: BudgetShare, seed: int) -> Table:
        """Compute and release a table from ``table`` (pipeline step form)."""
        from safedata_core.errors import ComponentError

        raise ComponentError(
            f"mechanism '{self.name}' perturbs values and cannot release a table on its own; "
            "use the 'dp_aggregate' step with mechanism: " + self.name
        )

    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Release a table computed from the step's input, charged to the step's share."""
        return StepOutput(table=self.release(inputs.source, budget=inputs.require_budget(), seed=inputs.seed))
