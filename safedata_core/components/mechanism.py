"""``Mechanism``: a DP mechanism that adds calibrated noise to values it is given."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from safedata_core.components.base import Component

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.privacy import BudgetShare

__all__ = ["Mechanism"]


class Mechanism(Component):
    """Base class for DP mechanisms (``privacy = "dp"``).

    ``randomise`` perturbs an array of query answers whose sensitivity comes
    from ``Params`` (never inferred from the data) and charges ``budget`` for
    the whole share it uses. ``release`` is the pipeline-step form: it computes
    and releases a table; mechanisms that only perturb values may leave it to
    the default, which explains that a table-level step (``dp_aggregate``) is
    needed.
    """

    kind: ClassVar[Literal["mechanism"]] = "mechanism"  # type: ignore[misc]
    privacy: ClassVar[Literal["dp"]] = "dp"  # type: ignore[misc]

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
