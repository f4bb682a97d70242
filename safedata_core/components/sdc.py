"""``SDCMethod``: statistical disclosure control applied to real microdata."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from safedata_core.components.base import Component, P
from safedata_core.components.step import StepInputs, StepOutput

if TYPE_CHECKING:
    from safedata_core.data import Table

__all__ = ["SDCMethod", "SDCResult"]


@dataclass
class SDCResult:
    """The protected table and a JSON-serialisable account of what changed.

    ``changes`` holds at least ``records_modified`` and ``cells_modified``, and
    may add suppression counts, information loss and the risk after.
    """

    table: Table
    changes: dict[str, Any] = field(default_factory=dict)


class SDCMethod(Component[P]):
    """Base class for SDC methods (``privacy = "sdc"``: heuristic protection, no DP)."""

    kind: ClassVar[str] = "sdc"
    privacy: ClassVar[Literal["sdc"]] = "sdc"
    releases_table: ClassVar[bool] = True

    @abstractmethod
    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        """Protect ``table``. ``rows`` (boolean mask) limits treatment to targeted records."""

    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Protect the step's input (only the targeted records when the step has ``target: rare``)."""
        res = self.apply(inputs.source, seed=inputs.seed, rows=inputs.rows_mask)
        return StepOutput(table=res.table, result=dict(res.changes))

    @staticmethod
    def target_mask(rows: np.ndarray | None, n: int, where: str) -> np.ndarray:
        """``rows`` as a validated boolean mask of length ``n`` (all records when ``None``)."""
        from safedata_core.errors import ComponentError

        if rows is None:
            return np.ones(n, dtype=bool)
        mask = np.asarray(rows, dtype=bool)
        if mask.shape != (n,):
            raise ComponentError(f"{where}: rows mask has shape {mask.shape}, expected ({n},) (one flag per record)")
        return mask
